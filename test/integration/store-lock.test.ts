import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockDirectory, lockRecordFor } from '../../lambdas/store/dir-lock';
import { stopChild } from '../support/child-process';

/** The embedded store's directory lock on the real file system, with real processes as holders. */
describe('the store lock tells a live holder from a stale one by more than its PID', () => {
  let dir: string;
  let holder: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-lock-'));
  });

  afterEach(async () => {
    await stopChild(holder);
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a bare PID of a live process that is no certwatch (pid 1)', '1'],
    [
      'a PID that runs, but started after the lock was taken (reused)',
      () => JSON.stringify({ ...lockRecordFor(process.pid), started: '1' }),
    ],
    ['a lock from another boot', () => JSON.stringify({ ...lockRecordFor(process.pid), boot: 'another-boot' })],
    ['garbage', 'not a lock'],
  ])('takes over %s', (_what, content) => {
    // Prepare
    writeFileSync(join(dir, LOCK_FILE), typeof content === 'function' ? content() : content);

    // Act
    const unlock = lockDirectory(dir);

    // Assess
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    unlock();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses while the holder runs, naming its PID and the lock file', () => {
    // Prepare
    holder = spawn('sleep', ['60']);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(lockRecordFor(holder.pid as number)));

    // Act + Assess
    expect(() => lockDirectory(dir)).toThrow(
      new RegExp(`in use by another certwatch process \\(pid ${holder.pid} since .*remove ${join(dir, LOCK_FILE)}$`),
    );
  });
});
