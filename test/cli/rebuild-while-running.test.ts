/**
 * A rebuild of the CLI (`npm ci`, `npm run build`, jest's globalSetup) does not break a CLI already running
 * from the build it replaces: each command loads its chunks only when it runs (`import()`), so the chunks
 * of the build the process started with must still be there then (scripts/build-cli.mjs, installBuild).
 * Real builds into a directory of their own inside the project, and a real process of the built CLI.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createChain } from '../support/pki';

const ROOT = resolve(__dirname, '..', '..');

/** Builds the CLI into `outdir`; `tag` makes the build differ from one of the same sources (other chunk names). */
function build(outdir: string, tag: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [join(ROOT, 'scripts', 'build-cli.mjs'), '--outdir', outdir, '--tag', tag],
      { cwd: ROOT, timeout: 300_000 },
      (error, _stdout, stderr) => (error ? fail(new Error(`build ${tag} failed: ${stderr || error.message}`)) : done()),
    );
  });
}

/** The build's output file that holds `source` (esbuild's metafile). */
function chunkOf(outdir: string, source: string): string {
  const meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const output = Object.keys(meta.outputs).find((file) => source in meta.outputs[file].inputs);
  if (!output) throw new Error(`no output of ${outdir} holds ${source}`);
  return join(ROOT, output);
}

describe('a rebuild of the CLI under a running CLI', () => {
  const outdir = join(ROOT, 'dist', `cli-rebuild-test-${process.pid}`);
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'certwatch-rebuild-'));
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('leaves the running build its chunks: inspect started before the rebuild reads its chain after it', async () => {
    // Prepare: build A; `inspect -` from it, stopped at reading its chain (its command's chunk loaded, the
    // trust store's not yet: that one loads once the chain is read)
    const chain = await createChain({ keyType: 'ecdsa', hostnames: ['mx.rebuild.example'] });
    const ca = join(work, 'ca.pem');
    writeFileSync(ca, chain.root.certPem);
    await build(outdir, 'a');
    const commandChunk = chunkOf(outdir, 'lambdas/cli/inspect-command.ts');
    const trustChunkOfA = chunkOf(outdir, 'lambdas/trust/trust-stores.ts');
    const trace = join(work, 'trace.txt');
    writeFileSync(trace, '');
    const child = spawn(process.execPath, [join(outdir, 'certwatch.mjs'), 'inspect', '-', '--ca', ca, '--json'], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        CERTWATCH_MODULE_TRACE: trace,
        NODE_OPTIONS: `--require ${join(ROOT, 'test', 'support', 'module-trace.cjs')}`,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let ended = false;
    const exited = new Promise<number | null>((done) =>
      child.on('close', (code) => {
        ended = true;
        done(code);
      }),
    );
    try {
      // (the trace names each module as it loads; polling it is a wait, bounded by the test's timeout)
      while (!ended && !readFileSync(trace, 'utf8').includes(relative('/', commandChunk))) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(ended).toBe(false);
      expect(readFileSync(trace, 'utf8')).not.toContain(relative('/', trustChunkOfA));

      // Act: build B over A, then hand the running process its chain
      await build(outdir, 'b');
      const trustChunkOfB = chunkOf(outdir, 'lambdas/trust/trust-stores.ts');
      child.stdin.end(chain.chainPem);
      const code = await exited;

      // Assess: the process finished on A's chunks (B's are others), and a new process runs B
      expect(trustChunkOfB).not.toBe(trustChunkOfA);
      expect([code, Buffer.concat(err).toString('utf8')]).toEqual([0, '']);
      expect(JSON.parse(Buffer.concat(out).toString('utf8')).validation.trusted).toBe(true);
      expect(readFileSync(trace, 'utf8')).toContain(relative('/', trustChunkOfA));
      expect(existsSync(trustChunkOfB)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 600_000);
});
