/**
 * Reading the small text files a consumer policy names — the policy itself and its CA bundles — with the
 * size cap enforced while reading (never judged from the file's size alone: a pipe that never ends stops
 * at the cap), for the CLI (`--policy`, `--ca`) and the CDK app (context `policy`) alike. Directories,
 * devices (`/dev/zero`) and sockets are refused before a byte is read. Only node:fs: the CLI loads this
 * at start.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';

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

/** Why a file of this kind is refused (null for a regular file or a pipe). */
export function refusedKind(stat: Stats): string | null {
  if (stat.isFile() || stat.isFIFO()) return null;
  return stat.isDirectory() ? 'is a directory, not a file or a pipe' : 'is a device or socket, not a file or a pipe';
}

/** A failed file-system call as an {@link InputRefused}: "cannot read (ENOENT)". */
export function unreadable(error: unknown): InputRefused {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new InputRefused(`cannot read (${code})`, { cause: error, code });
}

/**
 * Reads `path` (a regular file or a pipe) synchronously, at most `limit` bytes.
 * @throws InputRefused
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

/**
 * Reads a small text file (a policy, a CA bundle) with the cap enforced while reading. Throws an
 * {@link InputRefused} (with the fs error's `code`, when there is one): callers word the message.
 */
export function readBoundedTextSync(path: string, limit: number): string {
  return readCappedSync(path, limit).toString('utf8');
}
