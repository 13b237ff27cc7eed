/**
 * `certwatch check --shards N`: the scheduled run's shard path, locally. This process holds the store
 * (the embedded store's directory lock admits one process; its engine listens on loopback) and plans the
 * run; each shard runs in its own worker process against that endpoint (lambdas/cli/shard-workers.ts);
 * then this process merges: one BASELINE for the run, the outbox drained so every notice is published
 * once. The shards' results are put together into one cycle result for the usual output.
 */

import type { Notice } from '../core/notice';
import type { NoticePublisher, PublishReceipt } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import type { WatchConfig } from '../core/watch-config';
import { DEFAULT_WATCH_CONFIG } from '../core/watch-config';
import { REVOCATION_EXTENSION } from '../probe/revocation-extension';
import type { CycleResult } from '../run/cycle';
import { WatchRun } from '../run/watch-run';
import type { OpenedStore } from '../store/open-store';
import { runShardWorkers, SHARD_WORKERS, type ShardOutcome, type ShardWorkerOptions } from './shard-workers';
import { CLI_DEFAULT_SEED, commandTargets } from './watch-list-cli';

/** One shard as the output reports it. */
export interface ShardReport {
  shard: number;
  /** The worker process the shard's result came from. */
  pid: number | null;
  attempts: number;
  error?: string;
}

/** What a sharded check did. */
export interface ShardedCheck {
  result: CycleResult;
  runId: string;
  shards: ShardReport[];
}

/** Passes notices on and remembers them: the merge reports counts, the output shows the notices. */
class RecordingPublisher implements NoticePublisher {
  readonly published: Notice[] = [];
  constructor(private readonly inner: NoticePublisher) {}
  async publish(notice: Notice): Promise<PublishReceipt> {
    const receipt = await this.inner.publish(notice);
    this.published.push(notice);
    return receipt;
  }
}

/** Plans, runs the shards in worker processes, merges. `probeOptions` without the list's policies. */
export async function runShardedCheck(
  opened: OpenedStore,
  input: {
    shards: number;
    probeOptions: ProbeOptions;
    watch?: WatchConfig;
    publisher: NoticePublisher;
    now: Date;
    workers?: ShardWorkerOptions;
  },
): Promise<ShardedCheck> {
  const { store } = opened;
  // Sets the list up from the default set when it never was, and refuses an empty list (exit 2).
  await commandTargets([], store, opened.where, input.now);
  const recorder = new RecordingPublisher(input.publisher);
  // The parent plans and merges; the workers probe (the prober here is never used).
  const run = new WatchRun(
    { store, prober: { probe: async () => [] }, publisher: recorder },
    {
      probeOptions: input.probeOptions,
      watch: input.watch ?? DEFAULT_WATCH_CONFIG,
      list: { kind: 'store', seed: CLI_DEFAULT_SEED },
      extensions: [REVOCATION_EXTENSION],
    },
  );
  const invocationMs = input.workers?.timeoutMs ?? SHARD_WORKERS.timeoutMs;
  const plan = await run.plan(input.now, { invocationMs, forceShards: input.shards });
  const jobs = plan.shards.map((shard) => ({
    order: { runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount },
    store: opened.reach,
    probeOptions: input.probeOptions,
    invocationMs,
  }));
  // Reported by shard number, whatever order the plan started them in.
  const outcomes = (await runShardWorkers(jobs, input.workers)).sort((a, b) => a.shard - b.shard);
  // The merge runs whatever the shards did: what the others stored is published (as the state machine does).
  const merged = await run.merge(plan);
  return {
    runId: plan.runId,
    result: combine(outcomes, plan.now, recorder.published, merged),
    shards: outcomes.map((o) => ({
      shard: o.shard,
      pid: o.answer?.pid ?? null,
      attempts: o.attempts,
      ...(o.error ? { error: o.error } : {}),
    })),
  };
}

function combine(
  outcomes: readonly ShardOutcome[],
  at: string,
  published: Notice[],
  merged: { settled: Notice[]; published: number; publishFailures: Array<{ dedupeKey: string; message: string }> },
): CycleResult {
  const results = outcomes.flatMap((o) => (o.answer ? [o.answer.result] : []));
  const sum = (pick: (r: CycleResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  // The run's BASELINE and its notices about leaves are the merge's, not a shard's: list them with the
  // shards' notices.
  const baselines = published.filter((n) => n.type === 'BASELINE');
  const notices = [...results.flatMap((r) => r.notices), ...baselines, ...merged.settled];
  return {
    observations: results.flatMap((r) => r.observations),
    notices,
    published,
    summary: {
      at,
      targets: sum((r) => r.summary.targets),
      observations: sum((r) => r.summary.observations),
      failedProbes: sum((r) => r.summary.failedProbes),
      notices: notices.length,
      critical: notices.filter((n) => n.severity === 'critical').length,
      published: merged.published,
      publishFailures: merged.publishFailures,
      lostClaims: results.flatMap((r) => r.summary.lostClaims),
      conflicts: sum((r) => r.summary.conflicts),
      unsaved: results.flatMap((r) => r.summary.unsaved),
      unreached: results.flatMap((r) => r.summary.unreached ?? []),
      problems: results.flatMap((r) => r.summary.problems ?? []),
    },
  };
}
