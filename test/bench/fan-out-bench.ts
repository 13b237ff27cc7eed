/**
 * Fan-out: one run over N loopback endpoints cut into 1 or 8 shards, the shards run at once against the
 * same embedded store (as the state machine's Distributed Map runs them against one table), plan and
 * merge included. Prints wall times, their ratio, and the measured seconds per entry the planner uses.
 * `--workers`: the shards run as `certwatch check --shards` runs them, each in a worker process of the
 * compiled CLI (run `npm run build` first) against this process's store endpoint, one worker per shard;
 * without it, in this process.
 * Usage: tsx test/bench/fan-out-bench.ts [endpoints=2000] [--workers]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShardedCheck } from '../../lambdas/cli/check-sharded';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { ConsolePublisher } from '../../lambdas/notify/console-publisher';
import { SmtpProber } from '../../lambdas/probe/prober';
import { WatchRun } from '../../lambdas/run/watch-run';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { openHistoryStore } from '../../lambdas/store/open-store';
import { startFarm } from './scale-bench';

/** The same run with each shard in a worker process (the `check --shards` path). */
async function runInWorkers(
  urls: string[],
  rootsPem: string,
  shards: number,
): Promise<{ ms: number; perEntry: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-fanout-'));
  const opened = await openHistoryStore({ kind: 'embedded', dir });
  if (!opened) throw new Error('no store');
  const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
  const probeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    servername: 'mx.bench.example',
    extraAnchorsDer: pemToDerList(rootsPem),
  };
  try {
    await opened.store.addWatchTargets(urls, 'cli', new Date(), { reactivate: true });
    for (const timed of [false, true]) {
      const start = performance.now();
      const run = await runShardedCheck(opened, {
        shards,
        probeOptions,
        publisher: new ConsolePublisher(devNull),
        now: new Date(),
        workers: { workers: shards },
      });
      const failed = run.shards.filter((s) => s.error);
      if (failed.length > 0) throw new Error(`shard ${failed[0].shard} failed: ${failed[0].error}`);
      if (timed) {
        const ms = performance.now() - start;
        return { ms, perEntry: ms / 1000 / urls.length };
      }
    }
    throw new Error('unreachable');
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(urls: string[], rootsPem: string, shards: number): Promise<{ ms: number; perEntry: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-fanout-'));
  const embedded = await startEmbeddedStore({ dir });
  const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
  const publisher = new ConsolePublisher(devNull);
  const probeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    servername: 'mx.bench.example',
    extraAnchorsDer: pemToDerList(rootsPem),
  };
  try {
    // First run: baselines (not timed); the second run is the steady state.
    for (const timed of [false, true]) {
      const start = performance.now();
      const watchRun = new WatchRun(
        { store: embedded.store, prober: new SmtpProber(), publisher },
        { probeOptions, watch: DEFAULT_WATCH_CONFIG, list: { kind: 'context', targets: urls } },
      );
      const plan = await watchRun.plan(new Date(), { invocationMs: 900_000, forceShards: shards });
      await Promise.all(
        plan.shards.map((shard) =>
          watchRun.shard({ runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount }),
        ),
      );
      await watchRun.merge(plan);
      if (timed) {
        const ms = performance.now() - start;
        return { ms, perEntry: ms / 1000 / urls.length };
      }
    }
    throw new Error('unreachable');
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workers = args.includes('--workers');
  const endpoints = Number(args.find((a) => !a.startsWith('--')) ?? 2000);
  const measure = workers ? runInWorkers : run;
  const farm = await startFarm(endpoints);
  try {
    const urls = farm.ports.map((p) => `smtp://127.0.0.1:${p}`);
    const one = await measure(urls, farm.rootsPem, 1);
    const eight = await measure(urls, farm.rootsPem, 8);
    process.stdout.write(
      `${JSON.stringify({ endpoints, mode: workers ? 'worker processes' : 'in-process', oneShardMs: Math.round(one.ms), eightShardsMs: Math.round(eight.ms), ratio: Number((one.ms / eight.ms).toFixed(2)), secondsPerEntryOneShard: Number(one.perEntry.toFixed(4)) })}\n`,
    );
  } finally {
    farm.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
