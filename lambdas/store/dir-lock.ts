/**
 * A process lock on the embedded store's directory. LevelDB allows one process per database and
 * dynalite crashes the process (uncaught) when the database cannot be opened, so certwatch checks first.
 * A lock left by a killed process is taken over: its pid no longer runs.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors';

/**
 * Takes the lock of `dir`, waiting up to `waitMs` (polling) while another live process holds it: a
 * reader such as `history` then sees the store once a running cycle lets go, instead of failing at once.
 * Returns the function that gives the lock back.
 * @throws StoreError STORE_LOCKED when it is still held after `waitMs`.
 */
export async function lockDirectoryWaiting(dir: string, waitMs: number, pollMs = 100): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockDirectory(dir);
    } catch (error) {
      const held = error instanceof StoreError && error.code === 'STORE_LOCKED' && !/this process/.test(error.message);
      if (!held || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Takes the lock of `dir` for this process; returns the function that gives it back. */
export function lockDirectory(dir: string): () => void {
  const file = join(dir, 'certwatch.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('EMBEDDED_START_FAILED', `cannot lock ${dir}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder === process.pid) {
        throw new StoreError('STORE_LOCKED', `the store ${dir} is already open in this process`);
      }
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new StoreError(
          'STORE_LOCKED',
          `the store ${dir} is in use by another certwatch process (pid ${holder}, e.g. a running cycle): try again when it ends`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StoreError('STORE_LOCKED', `the store ${dir} is being locked by another certwatch process`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
