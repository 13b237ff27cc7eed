/**
 * Runs the built CLI (`node bin/certwatch.js`, what `npx certwatch` runs; dist/cli is built by jest's
 * global setup) as a real process: through a shell when the case is about pipes, devices or redirects.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Notice } from '../../lambdas/core/notice';
import type { Observation } from '../../lambdas/core/observation';

/** The package bin (CERTWATCH_TEST_BIN: another build's, e.g. a release's, to compare how it fares). */
export const CERTWATCH_BIN = process.env.CERTWATCH_TEST_BIN ?? join(__dirname, '..', '..', 'bin', 'certwatch.js');

/** What a run of the built CLI did. */
export interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How to run it. */
export interface ProcessOptions {
  cwd?: string;
  /** Added to a clean environment (PATH, HOME and the SDK warning switch only). */
  env?: NodeJS.ProcessEnv;
  /** Run as this user id (tests that need a user who may not write: root ignores permissions). */
  uid?: number;
  gid?: number;
  /** Killed after this long (a hang detector, not a speed check). */
  timeoutMs?: number;
}

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

function collect(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** `certwatch <argv>` as a process of its own. */
export function certwatchProcess(argv: readonly string[], options: ProcessOptions = {}): Promise<ProcessOutcome> {
  return collect(process.execPath, [CERTWATCH_BIN, ...argv], options);
}

/**
 * A bash script in which `$CW` runs certwatch; the script's exit code is the outcome's (end it with
 * `exit ${PIPESTATUS[i]}` to report certwatch's own in a pipeline).
 */
export function certwatchShell(script: string, options: ProcessOptions = {}): Promise<ProcessOutcome> {
  const env = { ...options.env, CW: `${process.execPath} ${CERTWATCH_BIN}` };
  return collect('bash', ['-c', script], { ...options, env });
}

/** What `certwatch check --json` reported at a faked instant (see {@link checkAt}). */
export interface CheckRun {
  code: number;
  notices: Notice[];
  observations: Observation[];
  stderr: string;
}

/**
 * `certwatch check ARGV --json` as a process of its own under libfaketime, its clock set to `at` (UTC);
 * rejects when it prints no JSON. `timeoutMs` kills it: a hang detector, not a speed check. `env` adds to
 * the environment (settings as variables).
 */
export function checkAt(
  at: Date,
  argv: readonly string[],
  timeoutMs = 180_000,
  env: NodeJS.ProcessEnv = {},
): Promise<CheckRun> {
  const stamp = at.toISOString().slice(0, 19).replace('T', ' ');
  const args = [stamp, process.execPath, CERTWATCH_BIN, 'check', ...argv, '--json'];
  return new Promise((resolve, reject) => {
    execFile(
      'faketime',
      args,
      { env: { ...process.env, ...env, TZ: 'UTC' }, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          const document = JSON.parse(stdout) as { notices: Notice[]; observations: Observation[] };
          resolve({ code, notices: document.notices, observations: document.observations, stderr });
        } catch (cause) {
          reject(new Error(`certwatch check printed no JSON (exit ${code}): ${stderr}`, { cause }));
        }
      },
    );
  });
}
