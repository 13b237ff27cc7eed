/**
 * What a run watches, assembled once for every caller (the Lambda's steps, `certwatch check`, its shard
 * workers): the list (the deployment's context list merged into the table, the store's own list set up
 * on first use, or targets given on the command line), the slice of one shard, each entry's stored
 * consumer policy merged after the deployment's, and `mx:` entries expanded. An entry whose stored
 * policy no longer reads is left out and reported; the others are watched.
 */
import { dnsTimeoutMs } from '../core/budgets';
import { CoreError } from '../core/errors';
import { mergePolicySets, watchListPolicies } from '../core/policy/watch-policy';
import type { HistoryStore } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import { shardOf } from '../core/run-budget';
import { activeTargets, parseWatchTargets, type WatchItem, type WatchList, type WatchTarget } from '../core/watch-list';
import type { RunProblem } from './cycle';
import { type ExpandedTargets, expandWatchTargets } from './expand-targets';
import type { WatchListCache } from './list-cache';
import { ensureWatchList, mergeContextList, type WatchSeed } from './watch-list';

/** Where a run's list comes from. */
export type RunList =
  /** The deployment's list (shipped beside the handler), merged into the table's before each plan. */
  | { kind: 'context'; targets: readonly string[] }
  /** The store's own list, set up from `seed` the first time (the CLI: Google's set). */
  | { kind: 'store'; seed: WatchSeed }
  /** Targets given for this run only (`certwatch check TARGET...`): the stored list is not touched. */
  | { kind: 'given'; entries: readonly WatchTarget[] };

/** This run's targets and what assembling them produced. */
export interface RunTargets extends ExpandedTargets {
  /** Watch-list entries of this run (of this shard), after those left out. */
  entries: WatchTarget[];
  /** The options with the entries' stored consumer policies merged in. */
  probeOptions: ProbeOptions;
  /** Entries left out, with why. */
  problems: RunProblem[];
  /** URLs of this run's targets whose entry is marked for a metric of its own (`targets add --metric`). */
  marked: string[];
}

/** Which slice of the list: the whole list, or one shard of it. */
export interface Slice {
  shard: number;
  shardCount: number;
}

/** The environment's held list, and the digest of the list the run's plan read. */
export interface HeldList {
  cache: WatchListCache;
  digest: string | null | undefined;
}

/**
 * Loads the list as its source says (merging or setting it up first), or null for given targets. A shard
 * (`slice`) merges nothing: its run's plan merged the context list and set the list up a moment before,
 * and an entry changed since is watched by the next run. It takes the list the plan read from its
 * environment (`held`) when that holds it, else reads it once, eventually consistent, and holds what it
 * read. Every shard of a 5,000-entry list would read about 800 KB (docs/deploy.md "What it costs").
 */
export async function loadRunList(
  store: HistoryStore,
  list: RunList,
  now: Date,
  slice?: Slice,
  held?: HeldList,
): Promise<WatchList | null> {
  if (slice && list.kind !== 'given') {
    const kept = held?.cache.get(held.digest);
    if (kept) return kept;
    const read = await store.loadWatchList({ consistent: false });
    if (read) {
      held?.cache.hold(read);
      return read;
    }
  }
  if (list.kind === 'context') {
    const merged = await mergeContextList(store, list.targets, now);
    if (merged.list) return merged.list;
  } else if (list.kind === 'store') return ensureWatchList(store, list.seed, now);
  return store.loadWatchList();
}

/** Assembles a run's targets. Store failures throw; a bad stored policy is a problem, not an error. */
export async function assembleRunTargets(input: {
  store: HistoryStore;
  list: RunList;
  probeOptions: ProbeOptions;
  now: Date;
  slice?: Slice;
  held?: HeldList;
}): Promise<RunTargets> {
  const { store, now, slice } = input;
  const loaded = await loadRunList(store, input.list, now, slice, input.held);
  const listed =
    input.list.kind === 'given' ? [...input.list.entries] : parseWatchTargets(loaded ? activeTargets(loaded) : []);
  const inSlice = slice ? listed.filter((e) => shardOf(e.key, slice.shardCount) === slice.shard) : listed;
  const { policies, unreadable } = entryPolicies(loaded?.items ?? []);
  const keys = new Set(inSlice.map((e) => e.key));
  const problems = unreadable.filter((p) => keys.has(p.target));
  const left = new Set(problems.map((p) => p.target));
  const entries = inSlice.filter((e) => !left.has(e.key));
  const policy = mergePolicySets([input.probeOptions.policy, ...policies]);
  const probeOptions = policy ? { ...input.probeOptions, policy } : input.probeOptions;
  const expansion = await expandWatchTargets(entries, {
    store,
    now,
    keyTypes: probeOptions.keyTypes,
    dns: { servers: probeOptions.dnsServers, timeoutMs: dnsTimeoutMs(probeOptions.timeoutMs) },
  });
  return { ...expansion, entries, probeOptions, problems, marked: markedUrls(entries, loaded?.items ?? [], expansion) };
}

/** The targets of the entries marked for a metric (an `mx:` entry: the MX hosts it expanded to). */
function markedUrls(
  entries: readonly WatchTarget[],
  items: readonly WatchItem[],
  expansion: ExpandedTargets,
): string[] {
  const marked = new Set(items.filter((i) => i.status === 'active' && i.metric === true).map((i) => i.target));
  const urls = new Set<string>();
  for (const entry of entries) {
    if (!marked.has(entry.key)) continue;
    if (entry.kind === 'url') {
      urls.add(entry.target.url);
      continue;
    }
    const hosts = new Set(expansion.mx.find((m) => m.domain === entry.domain)?.hosts ?? []);
    for (const t of expansion.targets) if (hosts.has(t.host) && t.port === 25 && t.mode === 'starttls') urls.add(t.url);
  }
  return [...urls];
}

/**
 * The stored policies of the list's active entries, each read on its own: one that fails is that entry's
 * problem. Every entry's policy is merged, whatever the slice, so that policies keep the same numbers in
 * a shard as in a whole run (verdicts and notices name them by number).
 */
function entryPolicies(items: readonly WatchItem[]) {
  const policies: NonNullable<ReturnType<typeof watchListPolicies>>[] = [];
  const unreadable: RunProblem[] = [];
  for (const item of items) {
    if (item.status !== 'active' || item.policy === undefined || item.policy === null) continue;
    try {
      const set = watchListPolicies([item]);
      if (set) policies.push(set);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      unreadable.push({ target: item.target, message: `stored consumer policy cannot be read: ${error.message}` });
    }
  }
  return { policies, unreadable };
}
