/**
 * A private, throw-away Postfix instance for integration tests: real smtpd listeners on loopback
 * addresses with generated certificates, started with `postfix -c DIR start` from its own config,
 * queue and data directories under a temp dir. The system's default instance and /etc/postfix are
 * never written to. Needs root and the Debian `postfix` package (`.ci/run` installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './child-process';
import {
  mainCf,
  masterCf,
  type PostfixChain,
  type PostfixCipherGrade,
  type PostfixInstance,
  type PostfixListener,
  type PostfixListenerMode,
  type PostfixListenerSpec,
  type PostfixOptions,
  resolvePorts,
} from './postfix-config';
import { greets } from './postfix-smtp';

export { type SmtpEhloResult, smtpEhlo } from './postfix-smtp';
export type {
  PostfixChain,
  PostfixCipherGrade,
  PostfixInstance,
  PostfixListener,
  PostfixListenerMode,
  PostfixListenerSpec,
  PostfixOptions,
};

const POSTFIX = '/usr/sbin/postfix';

/** What a test should say when Postfix is missing. */
export const POSTFIX_MISSING_MESSAGE =
  'Postfix is not installed (/usr/sbin/postfix is missing). Integration tests need a real Postfix: run `.ci/run` ' +
  '(as root) or install it with: echo "postfix postfix/main_mailer_type select No configuration" | ' +
  'debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix';

/** Is Postfix installed here? Tests must not skip on `false`: `startPostfix` then fails with a clear message. */
export function postfixAvailable(): boolean {
  return existsSync(POSTFIX);
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Postfix commands clean their environment themselves, but a stray MAIL_CONFIG must not leak in.
const POSTFIX_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

function run(file: string, args: string[], timeoutMs = 15_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: POSTFIX_ENV, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code === null ? String(error) : '') });
      },
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DIR_PREFIX = 'certwatch-postfix-';

function masterPidOf(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a Postfix master process: a stale `master.pid` may name a pid the system has since
 * given to another process (pids wrap within minutes on a busy machine), which must not be signalled.
 */
function isPostfixMaster(pid: number): boolean {
  try {
    const [program] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)master$/.test(program) && /postfix/.test(program);
  } catch {
    return false;
  }
}

/**
 * Stops and removes instances whose owning test process has exited without calling `stop()` (a
 * crashed or killed jest worker). Runs at every start; also usable from a jest globalTeardown.
 * Resolves to the number of instances removed.
 */
export async function reapOrphanedPostfix(): Promise<number> {
  let reaped = 0;
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number.parseInt(await readFile(join(dir, 'owner'), 'utf8'), 10);
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || processAlive(owner)) continue;
    const pid = masterPidOf(dir);
    if (pid !== undefined && processAlive(pid) && isPostfixMaster(pid)) {
      try {
        // master leads its own process group; SIGTERM makes it stop its children too.
        process.kill(pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
      const deadline = Date.now() + 2000;
      while (processAlive(pid) && Date.now() < deadline) await sleep(25);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    reaped++;
  }
  return reaped;
}

/**
 * Log lines that mean a listener will not come up by itself: stop waiting at once. An implicit-TLS
 * listener whose certificates do not load drops every connection ("Wrapper-mode request dropped").
 */
const BROKEN = /\b(fatal|panic):|bad command startup|TLS context initialization failed/;

/**
 * Starts a private Postfix instance and resolves once every listener greets. Rejects with the maillog
 * tail if Postfix does not come up in time, and with {@link POSTFIX_MISSING_MESSAGE} when Postfix is
 * not installed. Call `stop()` in `afterAll`.
 */
export async function startPostfix(options: PostfixOptions): Promise<PostfixInstance> {
  if (!postfixAvailable()) throw new Error(POSTFIX_MISSING_MESSAGE);
  if (process.getuid?.() !== 0) {
    throw new Error('startPostfix needs root: Postfix drops privileges to its own user and binds as root.');
  }
  if (options.listeners.length === 0) throw new Error('startPostfix needs at least one listener');

  await reapOrphanedPostfix().catch(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await writeFile(join(dir, 'owner'), String(process.pid));
  // Postfix's unprivileged processes must be able to walk into the queue and data directories.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'etc'));
  // postfix(1) chdirs into the queue directory before anything else; its subdirectories and the
  // postfix-owned data directory are then made by `post-install create-missing` during start.
  await mkdir(join(dir, 'queue'), { mode: 0o755 });
  const syslogName = `certwatch-pf-${dir.slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const configDir = join(dir, 'etc');
  const maillog = join(dir, 'maillog');
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let current: PostfixOptions = { ...options };
  let listeners: PostfixListener[] = [];
  let generation = 0;
  let stopping: Promise<void> | undefined;

  const readLog = async () => {
    try {
      return await readFile(maillog, 'utf8');
    } catch {
      return '';
    }
  };
  const logTail = async (lines = 40) => {
    const all = (await readLog()).trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  };

  async function writeConfig(next: PostfixOptions, nextListeners: PostfixListener[]) {
    generation++;
    const chainFiles: string[] = [];
    for (const [i, chain] of next.chains.entries()) {
      // A fresh file per generation: a reload never reads a half-written file, and a rotation is a new path.
      const file = join(configDir, `chain-${generation}-${i}.pem`);
      await writeFile(file, `${chain.keyPem.trimEnd()}\n${chain.chainPem.trimEnd()}\n`, { mode: 0o600 });
      chainFiles.push(file);
    }
    await writeFile(join(configDir, 'main.cf'), mainCf(dir, syslogName, next, chainFiles));
    await writeFile(join(configDir, 'master.cf'), masterCf(nextListeners, next.listeners));
    // Postfix waits (~2 s) before reading a config file modified within the last second, in case it
    // is still being edited: backdate ours, which are complete.
    const past = new Date(Date.now() - 60_000);
    for (const file of [join(configDir, 'main.cf'), join(configDir, 'master.cf'), ...chainFiles]) {
      await utimes(file, past, past);
    }
  }

  async function waitReady(from: number, context: string) {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(listeners);
    while (pending.size > 0) {
      for (const listener of [...pending]) {
        if (await greets(listener, Math.min(1000, Math.max(deadline - Date.now(), 1)))) pending.delete(listener);
      }
      if (pending.size === 0) return;
      const log = (await readLog()).slice(from);
      const broken = BROKEN.test(log);
      if (broken || Date.now() >= deadline) {
        const which = [...pending].map((l) => `${l.address}:${l.port} (${l.mode})`).join(', ');
        throw new Error(
          `Postfix ${context}: ${which} did not greet ${broken ? '(Postfix logged a fatal error)' : `within ${timeoutMs} ms`}.\n` +
            `maillog tail (${maillog}):\n${await logTail()}`,
        );
      }
      await sleep(50);
    }
  }

  async function shutdown() {
    const pid = masterPidOf(dir);
    if (pid !== undefined && processAlive(pid)) {
      await run(POSTFIX, ['-c', configDir, 'stop'], 10_000);
      const deadline = Date.now() + 5000;
      while (processAlive(pid) && Date.now() < deadline) await sleep(25);
      if (processAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone between the check and the kill.
        }
      }
    }
    forget(emergency);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  const emergency = () => {
    const pid = masterPidOf(dir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Nothing to stop.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  remember(emergency);

  const stop = () => {
    stopping ??= shutdown();
    return stopping;
  };

  try {
    // A free port found now can be taken by someone else before master binds it: pick again then.
    for (let attempt = 1; ; attempt++) {
      listeners = await resolvePorts(current.listeners);
      await writeConfig(current, listeners);
      const from = (await readLog()).length;
      const started = await run(POSTFIX, ['-c', configDir, 'start']);
      if (started.code === 0) {
        await waitReady(from, 'started');
        break;
      }
      const log = (await readLog()).slice(from);
      const pickedPorts = current.listeners.some((spec) => spec.port === 0);
      if (pickedPorts && attempt < 3 && /Address already in use/.test(log)) continue;
      throw new Error(
        `postfix -c ${configDir} start failed (exit ${started.code}): ${started.stderr.trim()}\n` +
          `maillog tail (${maillog}):\n${await logTail()}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    get listeners() {
      return listeners;
    },
    dir,
    stop,
    logTail,
    async reconfigure(changes: Partial<PostfixOptions>) {
      if (stopping) throw new Error('reconfigure after stop');
      const next = { ...current, ...changes };
      const nextListeners = changes.listeners ? await resolvePorts(next.listeners) : listeners;
      await writeConfig(next, nextListeners);
      const log = await readLog();
      const reloads = log.split('reload -- version').length;
      const reloaded = await run(POSTFIX, ['-c', configDir, 'reload']);
      if (reloaded.code !== 0) {
        throw new Error(`postfix reload failed (exit ${reloaded.code}): ${reloaded.stderr.trim()}\n${await logTail()}`);
      }
      // `postfix reload` only sends SIGHUP: wait until master says it has re-read its configuration.
      const deadline = Date.now() + timeoutMs;
      while ((await readLog()).split('reload -- version').length === reloads) {
        if (Date.now() >= deadline)
          throw new Error(`Postfix did not log a reload within ${timeoutMs} ms\n${await logTail()}`);
        await sleep(20);
      }
      current = next;
      listeners = nextListeners;
      await waitReady(log.length, 'reloaded');
    },
  };
}

// Safety net for a plain Node process that exits without calling stop(). Jest never runs it (test
// code sees a sandboxed `process` whose 'exit' never fires): reapOrphanedPostfix covers jest.
// The hook exists only while instances run, so repeated module loads (one per jest file) add none.
const live = new Set<() => void>();
function onExit() {
  for (const emergency of live) emergency();
}
function remember(emergency: () => void) {
  if (live.size === 0) process.on('exit', onExit);
  live.add(emergency);
}
function forget(emergency: () => void) {
  if (live.delete(emergency) && live.size === 0) process.off('exit', onExit);
}

/** The Postfix version installed here, e.g. `3.7.11` (for reports and error messages). */
export function postfixVersion(): string {
  return execFileSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version'], {
    encoding: 'utf8',
    env: POSTFIX_ENV,
  }).trim();
}
