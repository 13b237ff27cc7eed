/**
 * Mapping between the watch list (and MX sets) and their items in the single table. Attribute names are
 * a contract, like the other items': users read the list with the AWS CLI too.
 */

import { keys } from '../contract/table-schema';
import type { MxRecord } from '../core/mx';
import type { MxHostFacts } from '../core/notice';
import type { WatchItem, WatchListMeta, WatchSource } from '../core/watch-list';
import { StoreError } from './errors';
import { assertItem } from './item-schema';
import type { Item } from './items';

/** The `WATCHLIST / ITEM#<target>` item of an entry. */
export function watchItem(item: WatchItem): Item {
  return {
    pk: keys.watchList,
    sk: keys.watchItem(item.target),
    kind: 'WATCH',
    target: item.target,
    status: item.status,
    addedAt: item.addedAt,
    removedAt: item.removedAt,
    source: item.source,
    ...(item.policy !== undefined ? { policy: item.policy } : {}),
    ...(item.metric ? { metric: true } : {}),
  };
}

/** The entry of a `WATCH` item. */
export function watchItemFrom(item: Item): WatchItem {
  assertItem(item);
  const target = item.target;
  if (typeof target !== 'string' || typeof item.addedAt !== 'string') {
    throw new StoreError('ITEM_INVALID', `watch-list item ${String(item.sk)} has no target or addedAt`);
  }
  return {
    target,
    status: item.status === 'removed' ? 'removed' : 'active',
    addedAt: item.addedAt,
    removedAt: typeof item.removedAt === 'string' ? item.removedAt : null,
    source: (item.source as WatchSource | undefined) ?? 'cli',
    ...(item.policy !== undefined ? { policy: item.policy } : {}),
    ...(item.metric === true ? { metric: true } : {}),
  };
}

/** The `WATCHLIST / META` item. */
export function watchMetaItem(meta: WatchListMeta): Item {
  return { pk: keys.watchList, sk: keys.watchMeta, kind: 'WATCHLIST_META', ...meta };
}

/** The meta of a `WATCHLIST_META` item. */
export function watchMetaFrom(item: Item): WatchListMeta {
  assertItem(item);
  return {
    initializedAt: String(item.initializedAt ?? ''),
    initializedWith: (item.initializedWith as WatchSource | undefined) ?? 'cli',
    ...(typeof item.contextDigest === 'string' ? { contextDigest: item.contextDigest } : {}),
  };
}

/** The `MX#<domain> / MX` item of a record (with the next revision). */
export function mxItem(record: MxRecord): Item {
  return {
    pk: keys.mx(record.domain),
    sk: keys.mxSet,
    kind: 'MX',
    domain: record.domain,
    hosts: record.hosts,
    gone: record.gone,
    checkedAt: record.checkedAt,
    changedAt: record.changedAt,
    rev: record.rev + 1,
  };
}

/** The record of an `MX` item. */
export function mxFrom(item: Item): MxRecord {
  assertItem(item);
  return {
    domain: String(item.domain),
    hosts: Array.isArray(item.hosts) ? (item.hosts as MxHostFacts[]) : [],
    gone: (item.gone as Record<string, string> | undefined) ?? {},
    checkedAt: String(item.checkedAt ?? ''),
    changedAt: String(item.changedAt ?? ''),
    rev: Number(item.rev ?? 0),
  };
}
