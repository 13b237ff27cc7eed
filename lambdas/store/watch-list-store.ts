/**
 * The watch list and MX sets on the table: conditional single-item writes only, so concurrent edits never
 * overwrite each other (and an entry removed at run time is never re-added behind the user's back).
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { WatchEdit, WatchListStore } from '../core/ports';
import { sortItems, type WatchItem, type WatchSource } from '../core/watch-list';
import { BadItems } from './bad-items';
import { eachWithLimit, putIfAbsent, putOverRevision } from './conditional-writes';
import { scanAll, type TableEngine, when } from './engine';
import { mxFrom, mxItem, watchItem, watchItemFrom, watchMetaFrom, watchMetaItem } from './watch-list-items';

/** Store calls in flight at once when many targets are edited. */
const WRITE_CONCURRENCY = 16;

/** {@link WatchListStore} on a table engine. */
export function watchListStoreOn(engine: TableEngine, badItems = new BadItems()): WatchListStore {
  const entryKey = (target: string) => ({ pk: keys.watchList, sk: keys.watchItem(target) });

  const getEntry = async (target: string): Promise<WatchItem | null> => {
    const item = await engine.get(entryKey(target), { consistent: true });
    return item ? watchItemFrom(item) : null;
  };

  const reactivate = async (target: string, source: WatchSource, at: string): Promise<boolean> => {
    const outcome = await engine.update(
      entryKey(target),
      { set: { status: 'active', addedAt: at, source }, remove: ['removedAt'] },
      { condition: when.equals('status', 'removed') },
    );
    return outcome.ok;
  };

  return {
    async loadWatchList(options) {
      const items = await engine.query({ partition: keys.watchList, consistent: options?.consistent ?? true });
      const meta = items.find((i) => i.sk === keys.watchMeta);
      if (!meta) return null;
      const entries = badItems.decodeEach(
        items.filter((i) => String(i.sk).startsWith('ITEM#')),
        watchItemFrom,
      );
      return { meta: watchMetaFrom(meta), items: sortItems(entries) };
    },

    async putWatchItemsIfAbsent(items) {
      const written: string[] = [];
      await eachWithLimit(items, WRITE_CONCURRENCY, async (item) => {
        if (await putIfAbsent(engine, watchItem(item))) written.push(item.target);
      });
      return written;
    },

    putWatchListMeta: (meta) => putIfAbsent(engine, watchMetaItem(meta)),

    async setContextDigest(digest) {
      await engine.update({ pk: keys.watchList, sk: keys.watchMeta }, { set: { contextDigest: digest } });
    },

    async setWatchPolicy(target, policy) {
      const outcome = await engine.update(entryKey(target), { set: { policy } }, { condition: when.itemPresent() });
      return outcome.ok;
    },

    async setWatchMetric(target, on) {
      const update = on ? { set: { metric: true } } : { remove: ['metric'] };
      const outcome = await engine.update(entryKey(target), update, { condition: when.itemPresent() });
      return outcome.ok;
    },

    async addWatchTargets(targets, source, now, options) {
      const edit: WatchEdit = { changed: [], unchanged: [], refused: [] };
      const at = now.toISOString();
      await eachWithLimit(targets, WRITE_CONCURRENCY, async (target) => {
        const item: WatchItem = { target, status: 'active', addedAt: at, removedAt: null, source };
        if (await putIfAbsent(engine, watchItem(item))) {
          edit.changed.push(target);
          return;
        }
        if (options.reactivate && (await reactivate(target, source, at))) {
          edit.changed.push(target);
          return;
        }
        const current = await getEntry(target);
        (current?.status === 'removed' ? edit.refused : edit.unchanged).push(target);
      });
      return sorted(edit, targets);
    },

    async removeWatchTargets(targets, now) {
      const edit: WatchEdit = { changed: [], unchanged: [], refused: [] };
      await eachWithLimit(targets, WRITE_CONCURRENCY, async (target) => {
        const outcome = await engine.update(
          entryKey(target),
          { set: { status: 'removed', removedAt: now.toISOString() } },
          { condition: when.equals('status', 'active') },
        );
        if (outcome.ok) edit.changed.push(target);
        else ((await getEntry(target)) ? edit.unchanged : edit.refused).push(target);
      });
      return sorted(edit, targets);
    },

    async listHistoryTargets() {
      const items = await scanAll(engine, {
        filter: when.beginsWith(TABLE_SCHEMA.partitionKey, 'TARGET#'),
        attributes: [TABLE_SCHEMA.partitionKey],
      });
      return [...new Set(items.map((i) => String(i.pk).slice('TARGET#'.length)))].sort();
    },

    async loadMx(domain) {
      const item = await engine.get({ pk: keys.mx(domain), sk: keys.mxSet }, { consistent: true });
      return item ? mxFrom(item) : null;
    },

    saveMx: (record) => putOverRevision(engine, mxItem(record), record.rev),

    async listMx() {
      const items = await scanAll(engine, {
        filter: when.all(
          when.beginsWith(TABLE_SCHEMA.partitionKey, 'MX#'),
          when.equals(TABLE_SCHEMA.sortKey, keys.mxSet),
        ),
      });
      return badItems.decodeEach(items, mxFrom).sort((a, b) => a.domain.localeCompare(b.domain));
    },
  };
}

/** The edit's lists in the order the targets were asked. */
function sorted(edit: WatchEdit, order: readonly string[]): WatchEdit {
  const rank = new Map(order.map((t, i) => [t, i]));
  const by = (list: string[]) => list.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  return { changed: by(edit.changed), unchanged: by(edit.unchanged), refused: by(edit.refused) };
}
