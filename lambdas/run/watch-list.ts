/**
 * Setting up and reading a store's watch list. The first use sets the list up, once: a store that
 * already keeps history adopts the targets it has; an empty one starts with the fallback (Google's set
 * for the CLI, the context list for the stack), and the choice is recorded, so a list emptied on purpose
 * is never re-seeded.
 */
import { createHash } from 'node:crypto';
import type { WatchListStore } from '../core/ports';
import { seedFor, type WatchItem, type WatchList, type WatchSource } from '../core/watch-list';

/** What an empty store's list starts with. */
export interface WatchSeed {
  targets: readonly string[];
  source: WatchSource;
}

/** The store's list, set up first when it never was. */
export async function ensureWatchList(store: WatchListStore, fallback: WatchSeed, now: Date): Promise<WatchList> {
  const existing = await store.loadWatchList();
  if (existing) return existing;
  const seed = seedFor(await store.listHistoryTargets(), fallback);
  const at = now.toISOString();
  // Items first, then the marker: a set-up cut short is finished by the next use, never half-seen as done.
  await store.putWatchItemsIfAbsent(seed.targets.map((target) => newItem(target, seed.source, at)));
  await store.putWatchListMeta({ initializedAt: at, initializedWith: seed.source });
  const list = await store.loadWatchList();
  if (!list) throw new Error('the watch list was set up but cannot be read back');
  return list;
}

/**
 * Merges a deployment's context list into the table: targets the list lacks are added; one removed at
 * run time stays removed (its item exists). Skipped when this exact list was merged before.
 * Returns the targets added.
 */
export async function mergeContextTargets(
  store: WatchListStore,
  targets: readonly string[],
  now: Date,
): Promise<string[]> {
  return (await mergeContextList(store, targets, now)).added;
}

/**
 * {@link mergeContextTargets}, returning the list as it stands after the merge too: the list it read when
 * nothing was added (a second read of a 5,000-entry list costs 200 read units).
 */
export async function mergeContextList(
  store: WatchListStore,
  targets: readonly string[],
  now: Date,
): Promise<{ added: string[]; list: WatchList | null }> {
  const list = await ensureWatchList(store, { targets, source: 'context' }, now);
  const digest = contextDigest(targets);
  if (list.meta.contextDigest === digest) return { added: [], list };
  const known = new Set(list.items.map((i) => i.target));
  const at = now.toISOString();
  const added = await store.putWatchItemsIfAbsent(
    targets.filter((t) => !known.has(t)).map((target) => newItem(target, 'context', at)),
  );
  await store.setContextDigest(digest);
  return { added, list: null };
}

/** Order-free digest of a target list. */
export function contextDigest(targets: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(targets)].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
}

function newItem(target: string, source: WatchSource, at: string): WatchItem {
  return { target, status: 'active', addedAt: at, removedAt: null, source };
}
