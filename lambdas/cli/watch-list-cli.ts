/**
 * The watch list as the commands use it: targets given on the command line, or the store's list
 * (set up on first use: Google's set on an empty store), and each stored target's place on the list.
 */
import type { MxRecord } from '../core/mx';
import type { HistoryStore, WatchListStore } from '../core/ports';
import { DEFAULT_TARGET_URLS } from '../core/targets';
import { parseWatchTargets, seedFor, type WatchList, type WatchTarget } from '../core/watch-list';
import type { WatchSeed } from '../run/watch-list';
import { UsageError } from './cli-io';

/** What an empty store's list starts with on the command line: Google's set. */
export const CLI_DEFAULT_SEED: WatchSeed = { targets: DEFAULT_TARGET_URLS, source: 'default' };

/** Parses command-line targets (URLs, `mx:DOMAIN`, set names), or a UsageError. */
export function watchTargetsFrom(args: readonly string[]): WatchTarget[] {
  return parseWatchTargets(args);
}

/** The active entries of a list, or a UsageError when none is left. */
export function activeEntries(list: WatchList, where: string): WatchTarget[] {
  const active = list.items.filter((i) => i.status === 'active').map((i) => i.target);
  if (active.length === 0) {
    throw new UsageError(`the watch list of ${where} is empty: add a target with certwatch targets add TARGET`);
  }
  return watchTargetsFrom(active);
}

/** The targets a command works on: those given, else the store's active list (set up if new). */
export async function commandTargets(
  args: readonly string[],
  store: HistoryStore,
  where: string,
  now: Date,
): Promise<WatchTarget[]> {
  if (args.length > 0) return watchTargetsFrom(args);
  return activeEntries(await ensureWatchList(store, CLI_DEFAULT_SEED, now), where);
}

/** Like {@link commandTargets} with no TARGET, for commands that write nothing (the list is not set up). */
export async function listedTargets(store: HistoryStore, where: string, now: Date): Promise<WatchTarget[]> {
  return activeEntries((await store.loadWatchList()) ?? (await prospectiveList(store, now)), where);
}

/** A stored target's place on the watch list. */
export interface WatchPlace {
  status: 'active' | 'removed' | 'unlisted';
  /** The `mx:DOMAIN` entry it was found through. */
  via?: string;
  removedAt?: string | null;
}

/**
 * Where each target (URL) stands: on the list directly, through an MX entry (current hosts share the
 * entry's status; hosts that left the MX set are removed), or not at all. Direct and active wins.
 */
export function watchPlaces(list: WatchList, mxRecords: readonly MxRecord[]): Map<string, WatchPlace> {
  const places = new Map<string, WatchPlace>();
  const rank = (p: WatchPlace) => (p.status === 'active' ? (p.via ? 1 : 2) : 0);
  const offer = (url: string, place: WatchPlace) => {
    const known = places.get(url);
    if (!known || rank(place) > rank(known)) places.set(url, place);
  };
  const mxByDomain = new Map(mxRecords.map((r) => [r.domain, r]));
  for (const item of list.items) {
    if (!item.target.startsWith('mx:')) {
      offer(item.target, { status: item.status, removedAt: item.removedAt });
      continue;
    }
    const record = mxByDomain.get(item.target.slice(3));
    for (const { host } of record?.hosts ?? []) {
      offer(`smtp://${host}:25`, { status: item.status, via: item.target, removedAt: item.removedAt });
    }
    for (const [host, at] of Object.entries(record?.gone ?? {})) {
      offer(`smtp://${host}:25`, { status: 'removed', via: item.target, removedAt: at });
    }
  }
  return places;
}

/**
 * The store's list and each target's place on it. Read only: a store whose list was never set up is
 * shown with the list its first use would set up (reading commands write nothing).
 */
export async function loadPlaces(
  store: HistoryStore,
  now: Date,
): Promise<{ list: WatchList; places: Map<string, WatchPlace> }> {
  const list = (await store.loadWatchList()) ?? (await prospectiveList(store, now));
  return { list, places: watchPlaces(list, await store.listMx()) };
}

async function prospectiveList(store: HistoryStore, now: Date): Promise<WatchList> {
  const seed = seedFor(await store.listHistoryTargets(), CLI_DEFAULT_SEED);
  const at = now.toISOString();
  return {
    meta: { initializedAt: at, initializedWith: seed.source },
    items: seed.targets.map((target) => ({
      target,
      status: 'active',
      addedAt: at,
      removedAt: null,
      source: seed.source,
    })),
  };
}

/**
 * The store's watch list, seeded when it has none (run/watch-list.ts); loaded when first needed, since its
 * digests load node:crypto, which `--help` does without (see program.ts on start time).
 */
export async function ensureWatchList(store: WatchListStore, fallback: WatchSeed, now: Date): Promise<WatchList> {
  const watchList = await import('../run/watch-list.js');
  return watchList.ensureWatchList(store, fallback, now);
}
