/**
 * The embedded store's directory as the user gave it (`--store DIR`): what it is, whether this process
 * may write there, and one short line for each way it cannot be used (README "Store integrity"; exit
 * codes in docs/cli.md): a file, a path through a file, a name too long, no permission, a read-only
 * file system. These are the user's configuration, so they surface as STORE_INVALID (exit 2).
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from './errors';

/** The most characters of a path a message repeats. */
const MAX_SHOWN_PATH = 80;

/** A path as messages show it: cut in the middle past {@link MAX_SHOWN_PATH} characters. */
export function shownPath(path: string): string {
  if (path.length <= MAX_SHOWN_PATH) return path;
  return `${path.slice(0, 40)}…${path.slice(-30)} (${path.length} characters)`;
}

/** Why a file-system call failed, in words (for the common codes) with the code. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory (ENOTDIR)';
    case 'ENAMETOOLONG':
      return 'the path is too long (ENAMETOOLONG)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'ENOENT':
      return 'no such file or directory (ENOENT)';
    case 'ELOOP':
      return 'too many symbolic links (ELOOP)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    default:
      return code ?? (error as Error).message;
  }
}

/** Whether a failed file-system call means "this process may not write here". */
export function isReadOnlyError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

function invalid(dir: string, reason: string, cause?: unknown): StoreError {
  return new StoreError('STORE_INVALID', `cannot use the store ${shownPath(dir)}: ${reason}`, { cause });
}

/**
 * What is at `dir`: nothing yet, or a directory (anything else is refused).
 * @throws StoreError STORE_INVALID for a file, a path through a file, a name too long, no permission
 */
export function storeDirState(dir: string): 'absent' | 'directory' {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw invalid(dir, fsReason(error), error);
  }
  if (!isDirectory) {
    throw new StoreError('STORE_INVALID', `the store ${shownPath(dir)} is not a directory: give --store a directory`);
  }
  return 'directory';
}

/**
 * Makes sure `dir` exists, creating it (and its parents) if needed.
 * @throws StoreError STORE_INVALID when it cannot be created or is not a directory
 */
export function ensureStoreDir(dir: string): void {
  if (storeDirState(dir) === 'directory') return;
  try {
    makeDirectories(dir);
  } catch (error) {
    throw invalid(dir, `it cannot be created: ${fsReason(error)}`, error);
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync never returns when mkdir answers ENOENT
 * under a parent that exists (`--store /proc/x`), so each missing level is made on its own.
 */
function makeDirectories(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirectories(parent);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Whether the engine files under `dir` exist (`dir/dynamodb`). */
export function hasEngineFiles(dir: string): boolean {
  return existsSync(join(dir, 'dynamodb'));
}

/** Whether this process may create and change files in `dir` (and its `dynamodb` directory, if any). */
export function isWritableStore(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    if (hasEngineFiles(dir)) accessSync(join(dir, 'dynamodb'), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
