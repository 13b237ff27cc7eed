/**
 * The watch list a warm invocation environment keeps between the steps of runs (docs/deploy.md "What it
 * costs per month"): every shard of a 5,000-entry list would read all of it (about 800 KB, 100 read
 * units) to take its slice. The plan announces the digest of the list it read; a shard whose environment
 * holds a list of that digest takes its slice from it instead of reading the list again. The cache is
 * content-addressed — a list is kept under the digest of its own content and handed out only for that
 * digest — so a list changed since (another digest) is read afresh, and a stale read never stands in for
 * a newer list.
 */
import { createHash } from 'node:crypto';
import type { WatchList } from '../core/watch-list';

/** The digest of a list's content: SHA-256 of its JSON with every object's keys sorted. */
export function watchListDigest(list: WatchList): string {
  return createHash('sha256').update(canonicalJson(list)).digest('hex');
}

/** One list, held by digest (the last one held: runs read one list at a time). */
export class WatchListCache {
  private held: { digest: string; list: WatchList } | null = null;

  /** The held list if it has this digest, else null. */
  get(digest: string | null | undefined): WatchList | null {
    return digest && this.held?.digest === digest ? this.held.list : null;
  }

  /** Holds `list` (read from the store, never changed afterwards) and returns its digest. */
  hold(list: WatchList): string {
    const digest = watchListDigest(list);
    this.held = { digest, list };
    return digest;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
