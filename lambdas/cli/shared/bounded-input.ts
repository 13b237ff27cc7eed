/**
 * The one reader of every document a command is given — `--ca`, `--policy` and a policy's `ca:`,
 * `inspect`, `import`: a file, a pipe (`<(openssl …)`), or standard input — with the size cap enforced
 * while reading, never judged from the file's size alone: a runaway pipe, or a file that grows while it
 * is read, stops at the cap instead of filling memory. Directories, devices (`/dev/zero`) and sockets
 * are refused before a byte is read. See docs/cli.md ("Input files").
 */
import { createReadStream, statSync } from 'node:fs';
import { CertwatchError } from '../../core/errors';
import { InputRefused, readCappedSync, refusedKind, unreadable } from '../../policy-file/bounded-text';
import { UsageError } from '../cli-io';

// The policy's file reader is shared with the CDK app (context policy).
export { InputRefused, MAX_CA_BYTES, readBoundedTextSync } from '../../policy-file/bounded-text';

/** A file read at once, at most `limit` bytes; refusals as a UsageError `LABEL: reason` (`--ca x.pem: …`). */
export function readBoundedFileSync(path: string, limit: number, label = path): string {
  try {
    return readCappedSync(path, limit).toString('utf8');
  } catch (error) {
    if (error instanceof InputRefused) throw new UsageError(`${label}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** What a command reads from standard input, for the hint shown on a terminal. */
export interface StdinRequest {
  /** The cap in bytes. */
  limit: number;
  /** What is expected, e.g. "a PEM chain". */
  describe: string;
  /**
   * Takes each chunk as it arrives (and may throw to stop reading): the input is then not kept, and
   * the reader resolves to an empty buffer. A reader may ignore it and hand over the whole input.
   */
  onChunk?: (chunk: Buffer) => void;
}

/**
 * Splits chunks into lines as they arrive, for inputs read line by line (import): a line longer than
 * `maxLineBytes` is handed over cut at `maxLineBytes + 1` bytes as soon as it is that long, so the
 * consumer refuses it without the rest of a runaway line (`/dev/zero` has no newline) being read.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.take(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    this.take(chunk.subarray(start));
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.flush();
  }

  private take(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) {
      const cut = Buffer.concat(this.pending).subarray(0, this.maxLineBytes + 1);
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = true;
      this.onLine(cut.toString('utf8'));
    }
  }

  private flush(): void {
    if (!this.skipping) this.onLine(Buffer.concat(this.pending).toString('utf8'));
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }
}

/** Reads standard input for a command: injected so tests can run commands in-process. */
export type StdinReader = (request: StdinRequest) => Promise<Buffer>;

/**
 * Reads a stream up to `limit` bytes; past it, a UsageError naming `source`. With `onChunk`, each chunk
 * goes there as it arrives instead of being kept (the result is then empty).
 */
export async function readBounded(
  stream: NodeJS.ReadableStream,
  limit: number,
  source: string,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > limit) throw new UsageError(`${source}: larger than ${limit} bytes`);
      if (onChunk) onChunk(buffer);
      else chunks.push(buffer);
    }
  } catch (error) {
    // The consumer's own refusals (e.g. a bad import line) pass through as they are.
    if (error instanceof CertwatchError) throw error;
    throw new UsageError(`${source}: cannot read (${(error as Error).message})`, { cause: error });
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  return Buffer.concat(chunks);
}

/** Reads a regular file or a pipe up to `limit` bytes (see {@link readBounded}); directories and devices are refused. */
export async function readBoundedFile(
  path: string,
  limit: number,
  label = path,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer> {
  let kind: string | null;
  try {
    kind = refusedKind(statSync(path));
  } catch (error) {
    throw new UsageError(`${label}: ${unreadable(error).message}`, { cause: error });
  }
  if (kind) throw new UsageError(`${label}: ${kind}`);
  return readBounded(createReadStream(path), limit, label, onChunk);
}

/**
 * The process's standard input as a {@link StdinReader}: on a terminal it first says on stderr what it
 * waits for, so `certwatch inspect` typed alone does not sit there in silence.
 */
export function processStdin(stderr: NodeJS.WritableStream): StdinReader {
  return ({ limit, describe, onChunk }) => {
    if (process.stdin.isTTY) {
      stderr.write(`certwatch: reading ${describe} from standard input (end with Ctrl-D; or give a file)\n`);
    }
    return readBounded(process.stdin, limit, 'stdin', onChunk);
  };
}
