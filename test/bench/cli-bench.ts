/**
 * Start-up and whole-process figures of the built CLI (`node bin/certwatch.js`, what `npx certwatch` runs,
 * without npx's own ≈ 0.7 s), each measured as wall time of a fresh process, against a bare `node -e 0` in
 * the same run. Budgets (docs/performance.md, issue 13): --help ≤ 1.5× bare node; a one-endpoint probe ≤ 0.35 s and
 * ≤ 3× bare node; 200 endpoints in one probe run ≥ 10× faster per endpoint than the openssl recipe looped;
 * a check over 500 endpoints ≤ 10 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './probe-bench';
import { startFarm } from './scale-bench';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'certwatch.js');
const SERVERNAME = 'mx.bench.example';

/** The figures, in milliseconds. */
export interface CliFigures {
  bareNodeMs: number;
  helpMs: number;
  versionMs: number;
  probeOneMs: number;
  probe200Ms: number;
  probe200PerEndpointMs: number;
  opensslPerEndpointMs: number;
  check500Ms: number;
}

/** Wall time of one process, which must exit 0 (stdout and stderr discarded). */
function timed(command: string, args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      if (code === 0) done(ms);
      else fail(new Error(`${command} ${args.slice(0, 3).join(' ')} … exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

async function medianOf(runs: number, command: string, args: string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(command, args));
  return median(samples);
}

/** Runs the CLI benchmark on a freshly built dist/cli. */
export async function runCliBench(): Promise<CliFigures> {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
  const node = process.execPath;
  const farm = await startFarm(500);
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-cli-bench-'));
  try {
    const ca = join(dir, 'roots.pem');
    writeFileSync(ca, farm.rootsPem);
    const targets = (count: number) => farm.ports.slice(0, count).map((port) => `smtp://127.0.0.1:${port}`);
    const probe = (count: number, extra: string[] = []) => [
      BIN,
      'probe',
      ...targets(count),
      '--servername',
      SERVERNAME,
      '--ca',
      ca,
      ...extra,
    ];

    // Warm the file cache and the servers' first handshakes.
    await timed(node, ['-e', '0']);
    await timed(node, [BIN, '--help']);
    await timed(node, probe(1));

    // Interleaved rounds, so that drift on a shared machine hits every figure alike.
    const bare: number[] = [];
    const help: number[] = [];
    const version: number[] = [];
    const one: number[] = [];
    for (let round = 0; round < 5; round++) {
      bare.push(await medianOf(3, node, ['-e', '0']));
      help.push(await medianOf(3, node, [BIN, '--help']));
      version.push(await medianOf(3, node, [BIN, '--version']));
      one.push(await medianOf(3, node, probe(1)));
    }

    const probe200 = await medianOf(3, node, probe(200, ['--key-types', 'rsa']));
    // Google's recipe, looped: one process and one handshake per endpoint.
    const opensslEndpoints = farm.ports.slice(200, 240);
    const opensslStart = performance.now();
    for (const port of opensslEndpoints) {
      await timed('openssl', ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, '-showcerts']);
    }
    const opensslPerEndpointMs = (performance.now() - opensslStart) / opensslEndpoints.length;

    const store = join(dir, 'store');
    const check500 = await timed(node, [
      BIN,
      'check',
      ...targets(500),
      '--servername',
      SERVERNAME,
      '--ca',
      ca,
      '--store',
      store,
    ]);
    return {
      bareNodeMs: median(bare),
      helpMs: median(help),
      versionMs: median(version),
      probeOneMs: median(one),
      probe200Ms: probe200,
      probe200PerEndpointMs: probe200 / 200,
      opensslPerEndpointMs,
      check500Ms: check500,
    };
  } finally {
    farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCliBench().then(
    (figures) => console.log(figures),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
