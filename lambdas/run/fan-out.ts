/**
 * The messages of a run cut into shards (the scheduled run's Step Functions state machine, and
 * `certwatch check --shards N` locally) and the steps that are not a cycle: the plan's sizing, the probe
 * rate a shard saves, the merge. The steps themselves are methods of the run (lambdas/run/watch-run.ts).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { CLAIM_LEASE_MS } from '../core/budgets';
import { baselineNotices } from '../core/detect';
import { mergeTargetNotices, settledLeaf } from '../core/detect/settle';
import type { Notice } from '../core/notice';
import type { HistoryStore, NoticePublisher, ProbeRate } from '../core/ports';
import { shardCapacity, shardCountFor, type WorstCaseInput } from '../core/run-budget';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../core/watch-config';
import { drainOutbox } from './outbox';
import { settleWithStore } from './settle-leaves';

/** What the planner hands the state machine: shard numbers, never the list (state payloads are capped). */
export interface RunPlan {
  runId: string;
  /** The run's instant, shared by every shard and the merge. */
  now: string;
  entries: number;
  /** Entries one shard is given: what fits its invocation at worst, and the measured rate. */
  capacity: number;
  shardCount: number;
  shards: number[];
  /** Epoch milliseconds after which no shard starts probing (the merge still fits the run's time); null: none. */
  deadline: number | null;
  /** Digest of the list the plan read (lambdas/run/list-cache.ts): a shard holding it reads no list; null: none. */
  listDigest: string | null;
}

/** One shard's work order. */
export interface ShardOrder {
  runId: string;
  now: string;
  shard: number;
  shardCount: number;
  /** The plan's deadline: a shard started after it (a late retry) probes nothing. */
  deadline?: number | null;
  /** The plan's list digest: an environment holding that list takes the slice from it. */
  listDigest?: string | null;
}

/** What the merge step did. */
export interface MergeSummary {
  runId: string;
  baselineTargets: number;
  /** The shards' notices about leaves, as the merge settled and recorded them (docs/rollouts.md). */
  settled: Notice[];
  published: number;
  publishFailures: Array<{ dedupeKey: string; message: string }>;
}

/** Sizes a plan: the shard count for `entries` from the shard invocation's time, the worst case, the rate. */
export function sizePlan(input: {
  now: Date;
  entries: number;
  invocationMs: number;
  worst: WorstCaseInput;
  rate: ProbeRate | null;
  forceShards?: number;
  deadline?: number;
  /** Entries per shard decided by the caller (posture), instead of the worst case and the rate. */
  capacity?: number;
  listDigest?: string | null;
}): RunPlan {
  const capacity = input.capacity ?? shardCapacity(input.invocationMs, input.worst, input.rate);
  const shardCount = input.forceShards ?? shardCountFor(input.entries, capacity);
  // The Map starts shards in this order: a run whose window closes before its last shards starts from a
  // different one each time, so no slice of a long list is always the one left unreached.
  const first = randomInt(shardCount);
  return {
    runId: `${input.now.toISOString()}-${randomUUID().slice(0, 8)}`,
    now: input.now.toISOString(),
    entries: input.entries,
    capacity,
    shardCount,
    shards: Array.from({ length: shardCount }, (_, i) => (first + i) % shardCount),
    deadline: input.deadline ?? null,
    listDigest: input.listDigest ?? null,
  };
}

/**
 * Saves the rate a shard measured, unless a shard of the same run (or a later one) already saved a
 * slower one: shards of one run differ, and the next plan must fit the slowest.
 */
export async function saveShardRate(store: HistoryStore, order: ShardOrder, rate: ProbeRate): Promise<void> {
  const stored = await store.loadProbeRate();
  const perEntry = (r: ProbeRate) => (r.entries > 0 ? r.seconds / r.entries : Number.POSITIVE_INFINITY);
  if (stored && stored.at >= order.now && perEntry(stored) >= perEntry(rate)) return;
  await store.saveProbeRate(rate);
}

/**
 * Merges a run: one BASELINE over every shard's new targets; the shards' notices about leaves merged
 * (one notice per event over every shard's targets) and settled across every target that has the leaf;
 * then the outbox drained.
 */
export async function mergeRun(
  deps: { store: HistoryStore; publisher: NoticePublisher },
  run: { runId: string; now: string },
  claimant: string = randomUUID(),
  leaseMs = CLAIM_LEASE_MS,
  config: WatchConfig = DEFAULT_WATCH_CONFIG,
): Promise<MergeSummary> {
  const { store, publisher } = deps;
  const now = new Date(run.now);
  const facts = await store.loadRunBaselines(run.runId);
  if (facts.length > 0) await store.recordNotices(baselineNotices(facts, now), now);
  const settled = await settleRunNotices(store, await store.loadRunNotices(run.runId), now, config);
  if (settled.length > 0) await store.recordNotices(settled, now);
  const drained = await drainOutbox({ store, publisher, claimant, now: new Date(), leaseMs, attempted: new Set() });
  return {
    runId: run.runId,
    baselineTargets: facts.length,
    settled,
    published: drained.published.length,
    publishFailures: drained.failures,
  };
}

/**
 * The shards' per-target notices merged as one cycle's would be, then settled. Every target with a notice
 * about a leaf is read for it besides the fingerprint index (its item may be too new for the index).
 */
async function settleRunNotices(
  store: HistoryStore,
  notices: readonly Notice[],
  now: Date,
  config: WatchConfig,
): Promise<Notice[]> {
  if (notices.length === 0) return [];
  const merged = mergeTargetNotices(notices, now);
  const alsoRead = new Map<string, string[]>();
  for (const n of notices) {
    const sha = settledLeaf(n);
    if (sha && n.target) alsoRead.set(sha, [...(alsoRead.get(sha) ?? []), n.target]);
  }
  return settleWithStore({ store, notices: merged, now, config, alsoRead });
}
