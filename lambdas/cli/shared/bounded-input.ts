/**
 * Reading a document a command was given — a file, a pipe (`<(openssl …)`), or standard input — with
 * the size cap enforced while reading: `/dev/zero` or a runaway pipe stops at the cap instead of
 * filling memory. Directories and devices are refused before a byte is read.
 */
import { createReadStream, statSync } from 'node:fs';
import { UsageError } from '../cli-io';

// The policy's file reader is shared with the CDK app (context policy).
export { MAX_CA_BYTES, readBoundedTextSync } from '../../policy-file/bounded-text';

/** What a command reads from standard input, for the hint shown on a terminal. */
export interface StdinRequest {
  /** The cap in bytes. */
  limit: number;
  /** What is expected, e.g. "a PEM chain". */
  describe: string;
}

/** Reads standard input for a command: injected so tests can run commands in-process. */
export type StdinReader = (request: StdinRequest) => Promise<Buffer>;

/** Reads a stream up to `limit` bytes; past it, a UsageError naming `source`. */
export async function readBounded(stream: NodeJS.ReadableStream, limit: number, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > limit) throw new UsageError(`${source}: larger than ${limit} bytes`);
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${source}: cannot read (${(error as Error).message})`, { cause: error });
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  return Buffer.concat(chunks);
}

/** Reads a regular file or a pipe up to `limit` bytes; directories and devices are refused. */
export async function readBoundedFile(path: string, limit: number): Promise<Buffer> {
  let kind: 'ok' | 'a directory' | 'a device or socket';
  try {
    const stat = statSync(path);
    kind = stat.isFile() || stat.isFIFO() ? 'ok' : stat.isDirectory() ? 'a directory' : 'a device or socket';
  } catch (error) {
    throw new UsageError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  if (kind !== 'ok') throw new UsageError(`${path}: is ${kind}, not a file or a pipe`);
  return readBounded(createReadStream(path), limit, path);
}

/**
 * The process's standard input as a {@link StdinReader}: on a terminal it first says on stderr what it
 * waits for, so `certwatch inspect` typed alone does not sit there in silence.
 */
export function processStdin(stderr: NodeJS.WritableStream): StdinReader {
  return ({ limit, describe }) => {
    if (process.stdin.isTTY) {
      stderr.write(`certwatch: reading ${describe} from standard input (end with Ctrl-D; or give a file)\n`);
    }
    return readBounded(process.stdin, limit, 'stdin');
  };
}
