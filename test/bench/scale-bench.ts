/**
 * Scale: whole watch cycles (probe + parse + validate + store + outbox) over N loopback endpoints on
 * the embedded store, for several N, to check the 500-endpoint budget and that cost grows linearly;
 * beside a bare probe-only run of the same endpoints (what the cycle adds to probing), with the CPU time
 * of each, the capacity a steady cycle consumed, and at the largest size the same cycles through the AWS
 * SDK over HTTP (the path the embedded store took before it called dynalite in-process) and the built
 * CLI's `probe` and two `check`s as processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { ConsolePublisher } from '../../lambdas/notify/console-publisher';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import type { TableHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';

/** The built CLI (`npx certwatch` without npx). */
const CLI = join(__dirname, '..', '..', 'bin', 'certwatch.js');

/** Wall and CPU time of one step. */
export interface Timing {
  ms: number;
  cpuMs: number;
}

/** One measured size. */
export interface ScalePoint {
  endpoints: number;
  /** The same endpoints probed alone (no detection, no store). */
  probeOnly: Timing;
  first: Timing;
  steady: Timing;
  firstCycleMs: number;
  steadyCycleMs: number;
  msPerEndpoint: number;
  /** Capacity the steady cycle consumed per endpoint-cycle, as the engine reported it (dynalite's accounting). */
  steadyPerEndpoint: { writeUnits: number; readUnits: number; requests: number };
  /** At the largest size: the same two cycles through the AWS SDK over HTTP to the same dynalite. */
  overHttp?: { first: Timing; steady: Timing };
  /** At the largest size: the built CLI (a process each) — `probe` of the endpoints, then `check` twice. */
  cli?: { probeMs: number; firstCheckMs: number; steadyCheckMs: number };
}

async function timed(step: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await step();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Starts the server farm child (test/bench/server-farm.ts) with `count` dual-certificate endpoints. */
export async function startFarm(count: number): Promise<{ ports: number[]; rootsPem: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'server-farm.ts'), String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server farm exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const { ports, rootsPem } = JSON.parse(line) as { ports: number[]; rootsPem: string };
  return { ports, rootsPem, stop: () => child.stdin.end() };
}

async function measure(endpoints: number, ports: number[], rootsPem: string, overHttp = false): Promise<ScalePoint> {
  const targets = parseTargets(ports.slice(0, endpoints).map((p) => `smtp://127.0.0.1:${p}`));
  const probeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    servername: 'mx.bench.example',
    extraAnchorsDer: pemToDerList(rootsPem),
  };
  const probeOnly = await timed(() => new SmtpProber().probe(targets, { ...probeOptions, validationTime: new Date() }));
  const cycles = await twoCycles(targets, probeOptions, (embedded) => embedded.store);
  const steady = cycles.store.engine.consumption();
  const perEndpoint = (n: number) => n / endpoints;
  return {
    endpoints,
    probeOnly,
    first: cycles.first,
    steady: cycles.steady,
    firstCycleMs: cycles.first.ms,
    steadyCycleMs: cycles.steady.ms,
    msPerEndpoint: cycles.steady.ms / endpoints,
    steadyPerEndpoint: {
      writeUnits: perEndpoint(steady.writeUnits - cycles.afterFirst.writeUnits),
      readUnits: perEndpoint(steady.readUnits - cycles.afterFirst.readUnits),
      requests: perEndpoint(steady.requests - cycles.afterFirst.requests),
    },
    ...(overHttp
      ? {
          overHttp: await twoCycles(targets, probeOptions, (embedded) =>
            dynamoHistoryStore({ client: embedded.client, tableName: embedded.tableName }),
          ),
          cli: await cliCheck(
            targets.map((t) => t.url),
            rootsPem,
          ),
        }
      : {}),
  };
}

/** `certwatch probe` of the endpoints, then `certwatch check` twice on a new store: processes of the built CLI. */
async function cliCheck(urls: string[], rootsPem: string): Promise<NonNullable<ScalePoint['cli']>> {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-scale-cli-'));
  try {
    const ca = join(dir, 'roots.pem');
    writeFileSync(ca, rootsPem);
    const common = [...urls, '--servername', 'mx.bench.example', '--ca', ca];
    const probeMs = await processMs(['probe', ...common]);
    const check = ['check', ...common, '--store', join(dir, 'store')];
    const firstCheckMs = await processMs(check);
    const steadyCheckMs = await processMs(check);
    return { probeMs, firstCheckMs, steadyCheckMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall time of one CLI process, which must exit 0. */
function processMs(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-500);
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done(performance.now() - start) : fail(new Error(`certwatch ${args[0]} exited ${code}: ${stderr}`)),
    );
  });
}

/** A first and a steady cycle on a new embedded store (on disk, as `check --store` keeps it). */
async function twoCycles(
  targets: ReturnType<typeof parseTargets>,
  probeOptions: typeof DEFAULT_PROBE_OPTIONS,
  storeOf: (embedded: EmbeddedStore) => TableHistoryStore,
) {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-scale-'));
  const embedded = await startEmbeddedStore({ dir });
  const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
  try {
    const store = storeOf(embedded);
    const deps = { prober: new SmtpProber(), store, publisher: new ConsolePublisher(devNull) };
    let failed = 0;
    const first = await timed(async () => {
      failed = (await runWatchCycle(deps, { targets, probeOptions, now: new Date() })).summary.failedProbes;
    });
    if (failed > 0) throw new Error(`${failed} probes failed at ${targets.length}`);
    const afterFirst = store.engine.consumption();
    const steady = await timed(() =>
      runWatchCycle(deps, { targets, probeOptions, now: new Date(Date.now() + 60_000) }),
    );
    return { first, steady, store, afterFirst };
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures cycles at 125, 250 and 500 endpoints (each endpoint probed for RSA and ECDSA). */
export async function runScaleBench(sizes = [125, 250, 500]): Promise<ScalePoint[]> {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
  const farm = await startFarm(Math.max(...sizes));
  try {
    await measure(20, farm.ports, farm.rootsPem); // warm-up: JIT, trust store, dynalite
    const points: ScalePoint[] = [];
    const largest = Math.max(...sizes);
    for (const size of sizes) points.push(await measure(size, farm.ports, farm.rootsPem, size === largest));
    return points;
  } finally {
    farm.stop();
  }
}
