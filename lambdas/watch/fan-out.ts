/**
 * One run cut into shards (the scheduled run's Step Functions state machine, and `certwatch check
 * --shards N` locally): plan (merge the deployed list, count the entries, size the shards from the
 * measured probe rate), shard (probe, detect and store one slice of the list; BASELINE facts kept for
 * the merge, nothing published), merge (one BASELINE for the run, then the outbox drained: every
 * shard's notices published exactly once). Each step is its own invocation and can be retried alone.
 */

import { randomUUID } from 'node:crypto';
import { CLAIM_LEASE_MS, dnsTimeoutMs } from '../core/budgets';
import { baselineNotices } from '../core/detect';
import type { HistoryStore, NoticePublisher, Prober } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import type { WatchConfig } from '../core/watch-config';
import { activeTargets, parseWatchTargets, shardCountFor, shardOf, type WatchItem } from '../core/watch-list';
import { type CycleResult, runWatchCycle } from './cycle';
import { expandWatchTargets } from './expand-targets';
import { drainOutbox } from './outbox';
import { ensureWatchList, mergeContextTargets, type WatchSeed } from './watch-list';

/** What the planner hands the state machine: shard numbers, never the list (state payloads are capped). */
export interface RunPlan {
  runId: string;
  /** The run's instant, shared by every shard and the merge. */
  now: string;
  entries: number;
  shardCount: number;
  shards: number[];
}

/** One shard's work order. */
export interface ShardOrder {
  runId: string;
  now: string;
  shard: number;
  shardCount: number;
}

/** What the merge step did. */
export interface MergeSummary {
  runId: string;
  baselineTargets: number;
  published: number;
  publishFailures: Array<{ dedupeKey: string; message: string }>;
}

/** Plans a run: the deployed list merged in (`context`), or a store's list set up from `seed`. */
export async function planRun(
  store: HistoryStore,
  now: Date,
  list: { context: readonly string[] } | { seed: WatchSeed },
  forceShards?: number,
): Promise<RunPlan> {
  if ('context' in list) await mergeContextTargets(store, list.context, now);
  else await ensureWatchList(store, list.seed, now);
  const loaded = await store.loadWatchList();
  const entries = loaded ? activeTargets(loaded).length : 0;
  const shardCount = forceShards ?? shardCountFor(entries, await store.loadProbeRate());
  return {
    runId: `${now.toISOString()}-${randomUUID().slice(0, 8)}`,
    now: now.toISOString(),
    entries,
    shardCount,
    shards: Array.from({ length: shardCount }, (_, i) => i),
  };
}

/** Runs one shard: its slice of the list, probed, detected and stored; nothing published. */
export async function runShard(
  deps: { store: HistoryStore; prober: Prober; publisher: NoticePublisher },
  order: ShardOrder,
  settings: {
    probeOptions: ProbeOptions;
    watch: WatchConfig;
    cycleId?: string;
    /** The probe options for this list (e.g. with its entries' consumer policies added). */
    probeOptionsFor?: (items: readonly WatchItem[]) => ProbeOptions;
  },
): Promise<CycleResult> {
  const { store } = deps;
  const now = new Date(order.now);
  const list = await store.loadWatchList();
  const probeOptions = settings.probeOptionsFor?.(list?.items ?? []) ?? settings.probeOptions;
  const entries = parseWatchTargets(list ? activeTargets(list) : []).filter(
    (e) => shardOf(e.key, order.shardCount) === order.shard,
  );
  const started = Date.now();
  const expansion = await expandWatchTargets(entries, {
    store,
    now,
    keyTypes: probeOptions.keyTypes,
    dns: {
      servers: probeOptions.dnsServers,
      timeoutMs: dnsTimeoutMs(probeOptions.timeoutMs),
    },
  });
  const result = await runWatchCycle(deps, {
    targets: expansion.targets,
    probeOptions,
    now,
    config: settings.watch,
    cycleId: settings.cycleId,
    expansion,
    shard: { saveBaselines: (facts) => store.saveRunBaselines(order.runId, facts, now) },
  });
  if (entries.length > 0) {
    await store.saveProbeRate({
      entries: entries.length,
      seconds: (Date.now() - started) / 1000,
      at: new Date().toISOString(),
    });
  }
  return result;
}

/** Merges a run: one BASELINE over every shard's new targets, then the outbox drained. */
export async function mergeRun(
  deps: { store: HistoryStore; publisher: NoticePublisher },
  run: { runId: string; now: string },
  claimant: string = randomUUID(),
): Promise<MergeSummary> {
  const { store, publisher } = deps;
  const now = new Date(run.now);
  const facts = await store.loadRunBaselines(run.runId);
  if (facts.length > 0) await store.recordNotices(baselineNotices(facts, now), now);
  const drained = await drainOutbox({
    store,
    publisher,
    claimant,
    now: new Date(),
    leaseMs: CLAIM_LEASE_MS,
    attempted: new Set(),
  });
  return {
    runId: run.runId,
    baselineTargets: facts.length,
    published: drained.published.length,
    publishFailures: drained.failures,
  };
}
