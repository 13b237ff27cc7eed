/**
 * Reaping the Postfix instances of test processes that died without stopping them: a real orphaned
 * master is stopped and its directory removed; a stale `master.pid` naming a pid the system has given
 * to another process leaves that process alone (pids wrap within minutes on a busy machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { processAlive, stopChild } from '../support/child-process';
import { reapOrphanedPostfix } from '../support/postfix';

/** A pid no process holds now (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((done) => child.once('exit', done));
  return child.pid as number;
}

let bystander: ChildProcess | undefined;
let orphanOwner: ChildProcess | undefined;

afterEach(async () => {
  await stopChild(bystander, 'SIGKILL');
  await stopChild(orphanOwner, 'SIGKILL');
});

test('a stale master.pid naming another process leaves that process running and removes the directory', async () => {
  // Prepare: an instance directory whose owner is gone and whose master.pid names a live bystander
  bystander = spawn('sleep', ['60']);
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-postfix-'));
  writeFileSync(join(dir, 'owner'), String(await deadPid()));
  mkdirSync(join(dir, 'queue', 'pid'), { recursive: true });
  writeFileSync(join(dir, 'queue', 'pid', 'master.pid'), `${bystander.pid}\n`);

  // Act
  await reapOrphanedPostfix();

  // Assess
  expect(existsSync(dir)).toBe(false);
  expect(processAlive(bystander.pid as number)).toBe(true);
});

test('a real Postfix whose test process was killed is stopped and its directory removed', async () => {
  // Prepare: a process that starts Postfix and is then killed without stopping it
  orphanOwner = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'postfix-orphan.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    orphanOwner?.once('exit', (code) => reject(new Error(`postfix-orphan exited with ${code}`)));
    createInterface({ input: orphanOwner?.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  const { dir, pid } = JSON.parse(line) as { dir: string; pid: number };
  expect(processAlive(pid)).toBe(true);
  await stopChild(orphanOwner, 'SIGKILL');

  // Act (another test file's start may reap it first: the outcome is the same)
  await reapOrphanedPostfix();

  // Assess
  expect(processAlive(pid)).toBe(false);
  expect(existsSync(dir)).toBe(false);
}, 60_000);
