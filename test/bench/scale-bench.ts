/**
 * Scale: whole watch cycles (probe + parse + validate + store + outbox) over N loopback endpoints on
 * the embedded store, for several N, to check the 500-endpoint budget and that cost grows linearly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { ConsolePublisher } from '../../lambdas/notify/console-publisher';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';

/** One measured size. */
export interface ScalePoint {
  endpoints: number;
  firstCycleMs: number;
  steadyCycleMs: number;
  msPerEndpoint: number;
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

async function measure(endpoints: number, ports: number[], rootsPem: string): Promise<ScalePoint> {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-scale-'));
  const embedded = await startEmbeddedStore({ dir });
  const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
  try {
    const targets = parseTargets(ports.slice(0, endpoints).map((p) => `smtp://127.0.0.1:${p}`));
    const input = {
      targets,
      probeOptions: {
        ...DEFAULT_PROBE_OPTIONS,
        servername: 'mx.bench.example',
        extraAnchorsDer: pemToDerList(rootsPem),
      },
    };
    const deps = { prober: new SmtpProber(), store: embedded.store, publisher: new ConsolePublisher(devNull) };
    let start = performance.now();
    const first = await runWatchCycle(deps, { ...input, now: new Date() });
    const firstCycleMs = performance.now() - start;
    if (first.summary.failedProbes > 0) throw new Error(`${first.summary.failedProbes} probes failed at ${endpoints}`);
    start = performance.now();
    await runWatchCycle(deps, { ...input, now: new Date(Date.now() + 60_000) });
    const steadyCycleMs = performance.now() - start;
    return { endpoints, firstCycleMs, steadyCycleMs, msPerEndpoint: steadyCycleMs / endpoints };
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures cycles at 125, 250 and 500 endpoints (each endpoint probed for RSA and ECDSA). */
export async function runScaleBench(sizes = [125, 250, 500]): Promise<ScalePoint[]> {
  const farm = await startFarm(Math.max(...sizes));
  try {
    await measure(20, farm.ports, farm.rootsPem); // warm-up: JIT, trust store, dynalite
    const points: ScalePoint[] = [];
    for (const size of sizes) points.push(await measure(size, farm.ports, farm.rootsPem));
    return points;
  } finally {
    farm.stop();
  }
}
