/** Runs the CLI in-process and captures what it writes. */
import { PassThrough } from 'node:stream';
import { runCli } from '../../lambdas/cli/program';

/** The outcome of one CLI run. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `certwatch <argv>` in-process; `stdin` is what standard input holds. */
export async function cli(argv: string[], stdin = ''): Promise<CliOutcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(argv, { stdout, stderr }, async () => Buffer.from(stdin));
  // Let the last writes reach the listeners before reading them.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/**
 * The CLI refused in one clear line: exit `code`, `message` on stderr, which is one line and shows no
 * stack trace, no node_modules path and no Node.js banner.
 */
export function expectOneLineRefusal(
  result: { code: number | null; stderr: string },
  code: number,
  message: RegExp,
): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at |node_modules|node:internal|Node\.js v/);
}
