/**
 * A process lock on the embedded store's directory (`certwatch.lock`). LevelDB allows one process per
 * database and dynalite crashes the process (uncaught) when the database cannot be opened, so certwatch
 * checks first. The lock names its holder by more than a PID, which the system reuses: the PID with the
 * process's start time and the boot it belongs to (Linux /proc). A lock whose holder no longer runs —
 * killed, or a PID now given to another process (a lock naming pid 1 after a reboot) — is stale and
 * taken over; every refusal names the lock file, so a person can judge and remove it.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors';
import { fsReason, isReadOnlyError, shownPath } from './store-paths';

/** The lock file's name inside the store directory. */
export const LOCK_FILE = 'certwatch.lock';

/** What the lock file holds (JSON); a file of an earlier release holds only the PID. */
export interface LockRecord {
  pid: number;
  /** The process's start time in clock ticks after boot (/proc/PID/stat field 22), when known. */
  started?: string;
  /** The boot the process runs in (/proc/sys/kernel/random/boot_id), when known. */
  boot?: string;
  host?: string;
  /** When the lock was taken (ISO 8601), for messages. */
  at?: string;
}

/** The record this process writes; also for tests that stand in for a holder. */
export function lockRecordFor(pid: number, at = new Date()): LockRecord {
  const started = processStartTime(pid);
  const boot = bootId();
  return {
    pid,
    ...(started ? { started } : {}),
    ...(boot ? { boot } : {}),
    host: hostname(),
    at: at.toISOString(),
  };
}

/**
 * Takes the lock of `dir`, waiting up to `waitMs` (polling) while another live process holds it: a
 * reader such as `history` then sees the store once a running cycle lets go, instead of failing at once.
 * Returns the function that gives the lock back.
 * @throws StoreError STORE_LOCKED when it is still held after `waitMs`; STORE_READ_ONLY when this
 * process may not write the lock file (the caller may read a copy instead)
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
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(lockRecordFor(process.pid))}\n`);
      } finally {
        closeSync(fd);
      }
      return () => rmSync(file, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        if (isReadOnlyError(error)) {
          throw new StoreError('STORE_READ_ONLY', `the store ${shownPath(dir)} is read-only: ${fsReason(error)}`, {
            cause: error,
          });
        }
        throw new StoreError('STORE_INVALID', `cannot lock the store ${shownPath(dir)}: ${fsReason(error)}`, {
          cause: error,
        });
      }
      const holder = readLock(file);
      if (holder && holderRuns(holder)) {
        if (holder.pid === process.pid) {
          throw new StoreError('STORE_LOCKED', `the store ${shownPath(dir)} is already open in this process`);
        }
        const since = holder.at ? ` since ${holder.at.slice(0, 19).replace('T', ' ')} UTC` : '';
        throw new StoreError(
          'STORE_LOCKED',
          `the store ${shownPath(dir)} is in use by another certwatch process (pid ${holder.pid}${since}, e.g. a ` +
            `running cycle): try again when it ends; if no certwatch runs, remove ${shownPath(file)}`,
        );
      }
      try {
        rmSync(file, { force: true });
      } catch (removal) {
        throw new StoreError(
          isReadOnlyError(removal) ? 'STORE_READ_ONLY' : 'STORE_INVALID',
          `the store ${shownPath(dir)} has a stale lock ${shownPath(file)} that cannot be removed: ${fsReason(removal)}`,
          { cause: removal },
        );
      }
    }
  }
  throw new StoreError(
    'STORE_LOCKED',
    `the store ${shownPath(dir)} is being locked by another certwatch process (lock file ${shownPath(file)})`,
  );
}

/** The lock file's record; null when it holds nothing usable (a stale lock, taken over). */
function readLock(file: string): LockRecord | null {
  let text: string;
  try {
    text = readLockText(file);
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const record = JSON.parse(text) as Partial<LockRecord>;
    return Number.isInteger(record.pid) && (record.pid as number) > 0 ? (record as LockRecord) : null;
  } catch {
    return null;
  }
}

/**
 * The first bytes of the lock file. Opened without blocking and only a regular file read: a FIFO in the
 * lock's place would block a plain read for ever (it is taken as stale, like any file that holds no record).
 */
function readLockText(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) return '';
    const buffer = Buffer.alloc(4096);
    return buffer
      .subarray(0, readSync(fd, buffer, 0, buffer.length, null))
      .toString('utf8')
      .trim();
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the lock's holder still runs. Another host's lock (a store on a shared file system) is taken
 * as held. Here: the PID runs, in the same boot, started when the lock says; a lock of an earlier
 * release (a bare PID) counts only when that PID runs certwatch (its command line says so).
 */
function holderRuns(holder: LockRecord): boolean {
  if (holder.host !== undefined && holder.host !== hostname()) return true;
  if (!pidRuns(holder.pid)) return false;
  const boot = bootId();
  if (holder.boot && boot && holder.boot !== boot) return false;
  const started = processStartTime(holder.pid);
  if (holder.started) return started === undefined || started === holder.started;
  const command = commandOf(holder.pid);
  return command === undefined || /certwatch/.test(command);
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat (after the parenthesised command, which may hold spaces). */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}
