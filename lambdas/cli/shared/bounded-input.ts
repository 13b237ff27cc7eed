/**
 * The one reader of every document a command is given — `--ca`, `--policy` and a policy's `ca:`,
 * `inspect`, `import`: a file, a pipe (`<(openssl …)`), or standard input — with the size cap enforced
 * while reading, never judged from the file's size alone: a runaway pipe, or a file that grows while it
 * is read, stops at the cap instead of filling memory. Directories, devices (`/dev/zero`) and sockets
 * are refused before a byte is read. See docs/cli.md ("Input files").
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { CertwatchError } from '../../core/errors';
import { UsageError } from '../cli-io';

/** The largest CA bundle `--ca` or a policy's `ca` entry may name. */
export const MAX_CA_BYTES = 4 * 1024 * 1024;

/**
 * Why an input was refused, worded to follow its name: "larger than 4194304 bytes", "is a directory,
 * not a file or a pipe", "cannot read (ENOENT)" (then `code` is the fs error's code).
 */
export class InputRefused extends Error {
  override name = 'InputRefused';
  readonly code?: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    if (options?.code) this.code = options.code;
  }
}

function refusedKind(stat: Stats): string | null {
  if (stat.isFile() || stat.isFIFO()) return null;
  return stat.isDirectory() ? 'is a directory, not a file or a pipe' : 'is a device or socket, not a file or a pipe';
}

function unreadable(error: unknown): InputRefused {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new InputRefused(`cannot read (${code})`, { cause: error, code });
}

/**
 * Reads `path` (a regular file or a pipe) synchronously, at most `limit` bytes: for what is read while
 * a document is parsed (a policy's `ca:` file). @throws InputRefused
 */
export function readCappedSync(path: string, limit: number): Buffer {
  let fd: number;
  try {
    // A FIFO opens once a writer appears; stat first so a directory or device is refused without opening.
    const kind = refusedKind(statSync(path));
    if (kind) throw new InputRefused(kind);
    fd = openSync(path, 'r');
  } catch (error) {
    throw error instanceof InputRefused ? error : unreadable(error);
  }
  try {
    const kind = refusedKind(fstatSync(fd));
    if (kind) throw new InputRefused(kind);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - size));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      size += read;
      if (size > limit) throw new InputRefused(`larger than ${limit} bytes`);
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks);
  } catch (error) {
    throw error instanceof InputRefused ? error : unreadable(error);
  } finally {
    closeSync(fd);
  }
}

/** {@link readCappedSync} as text, for a caller that words its own message from an InputRefused. */
export function readBoundedTextSync(path: string, limit: number): string {
  return readCappedSync(path, limit).toString('utf8');
}

/** {@link readCappedSync} as text, refusals as a UsageError `LABEL: reason` (e.g. `--policy x.yaml: …`). */
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
