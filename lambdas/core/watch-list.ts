/**
 * The watch list (docs/history-table.md, docs/cli.md "certwatch targets"): which targets a store watches, kept as data in the table.
 * An entry is a target URL (`smtp://host:port`, `smtps://host:port`) or `mx:DOMAIN`, which every cycle
 * expands to the domain's MX hosts. Pure: parsing, named sets and the seeding decision.
 */
import { CoreError } from './errors';
import { DEFAULT_TARGET_URLS, parseTarget, type Target } from './targets';

/** Where a watch-list entry came from. */
export type WatchSource = 'default' | 'cli' | 'context' | 'adopted';

/** One watch-list entry, as stored (one item per watched target). */
export interface WatchItem {
  /** Canonical target URL, or `mx:domain`. */
  target: string;
  status: 'active' | 'removed';
  addedAt: string;
  removedAt: string | null;
  source: WatchSource;
  /** Left for a per-target consumer policy (docs/policy.md "A policy on the watch list"). */
  policy?: unknown;
  /** The deployed function emits this target's own DaysToExpiry metric (`targets add --metric`). */
  metric?: boolean;
}

/** How the list was first set up: recorded once so that a list emptied on purpose is not re-seeded. */
export interface WatchListMeta {
  initializedAt: string;
  initializedWith: WatchSource;
  /** Digest of the deployment's context list last merged in (stack only). */
  contextDigest?: string;
}

/** The whole list of a store. */
export interface WatchList {
  meta: WatchListMeta;
  items: WatchItem[];
}

/** A parsed watch-list entry: a target to probe, or a domain whose MX hosts are probed. */
export type WatchTarget = { kind: 'url'; key: string; target: Target } | { kind: 'mx'; key: string; domain: string };

/** Google's full inbound fleet: the MX hosts of gmail.com and of Google Workspace domains. */
export const GOOGLE_INBOUND_TARGET_URLS: readonly string[] = [
  'smtp://aspmx.l.google.com:25',
  ...[1, 2, 3, 4].map((n) => `smtp://alt${n}.aspmx.l.google.com:25`),
  'smtp://gmail-smtp-in.l.google.com:25',
  ...[1, 2, 3, 4].map((n) => `smtp://alt${n}.gmail-smtp-in.l.google.com:25`),
];

/**
 * Named target sets, usable wherever a target is: a word without a dot that names a set expands to
 * its URLs (`smtp://word` still means a host of that name). `google` is the default set.
 */
export const TARGET_SETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  google: DEFAULT_TARGET_URLS,
  'google-inbound': GOOGLE_INBOUND_TARGET_URLS,
});

const DOMAIN = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses one watch-list entry: `mx:DOMAIN`, a set name, or a target URL (a bare host = `smtp://host:25`).
 * A set name gives several entries.
 * @throws CoreError TARGET_INVALID
 */
export function parseWatchTarget(input: string): WatchTarget[] {
  const raw = input.trim();
  const set = TARGET_SETS[raw.toLowerCase()];
  if (set) return set.map((url) => urlTarget(url));
  const mx = /^mx:(.*)$/i.exec(raw);
  if (mx) {
    const domain = mx[1].trim().toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(domain)) {
      throw new CoreError('TARGET_INVALID', `"${input}": "${domain}" is not a domain name (expected mx:DOMAIN)`);
    }
    return [{ kind: 'mx', key: `mx:${domain}`, domain }];
  }
  return [urlTarget(raw)];
}

/** Parses several entries, dropping duplicates (same canonical form), keeping the first order. */
export function parseWatchTargets(inputs: readonly string[]): WatchTarget[] {
  const seen = new Map<string, WatchTarget>();
  for (const input of inputs) {
    for (const entry of parseWatchTarget(input)) if (!seen.has(entry.key)) seen.set(entry.key, entry);
  }
  return [...seen.values()];
}

function urlTarget(input: string): WatchTarget {
  const target = parseTarget(input);
  return { kind: 'url', key: target.url, target };
}

/** The active entries of a list, in the order they were added. */
export function activeTargets(list: WatchList): string[] {
  return list.items.filter((i) => i.status === 'active').map((i) => i.target);
}

/** Sorts items by when they were added, then by name: the order cycles and `targets list` use. */
export function sortItems(items: readonly WatchItem[]): WatchItem[] {
  return [...items].sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.target.localeCompare(b.target));
}

/**
 * What a store's list starts with the first time it is used: the targets it already keeps history of
 * (a store from before the list existed), else `fallback` (Google's set, or the deployment's context).
 */
export function seedFor(
  historyTargets: readonly string[],
  fallback: { targets: readonly string[]; source: WatchSource },
): { targets: string[]; source: WatchSource } {
  const adopted = historyTargets.filter(isWatchable);
  if (adopted.length > 0) return { targets: [...adopted].sort(), source: 'adopted' };
  return { targets: [...fallback.targets], source: fallback.source };
}

function isWatchable(target: string): boolean {
  try {
    return parseWatchTarget(target).length === 1;
  } catch {
    return false;
  }
}
