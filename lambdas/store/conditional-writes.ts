/**
 * The conditional-write pattern of the store, in one place. Every item that can race carries a counter:
 * a certificate or MX set its revision `rev`, a target's STATE its `version`. A writer states the counter
 * it read (0 = it read no item) and writes the next one; the engine refuses the write when another writer
 * got there first, and the caller gets `false` — a conflict to re-read and redo, never an overwrite.
 */
import { type Condition, type Item, type ItemKey, type TableEngine, when } from './engine';

/** The condition that the item is as read: absent when `read` is 0, else carrying `read` in `attribute`. */
export function asRead(attribute: string, read: number): Condition {
  return read === 0 ? when.itemAbsent() : when.equals(attribute, read);
}

/** Puts `item` unless its key holds an item already. False when it does. */
export async function putIfAbsent(engine: TableEngine, item: Item): Promise<boolean> {
  return (await engine.put(item, { condition: when.itemAbsent() })).ok;
}

/**
 * Puts `item`, whose `rev` is the revision read plus one, over the item as read (`readRev` 0 = none).
 * False when another writer changed it meanwhile.
 */
export async function putOverRevision(engine: TableEngine, item: Item, readRev: number): Promise<boolean> {
  if (item.rev !== readRev + 1) throw new Error(`item ${String(item.sk)}: rev ${String(item.rev)} after ${readRev}`);
  return (await engine.put(item, { condition: asRead('rev', readRev) })).ok;
}

/**
 * Sets `attributes` of the item at `key` and its next `version`, over the item as read (`readVersion`
 * 0 = none). Attributes it does not set stay as they are. False when another writer changed it meanwhile.
 */
export async function updateOverVersion(
  engine: TableEngine,
  key: ItemKey,
  attributes: Item,
  readVersion: number,
): Promise<boolean> {
  const set = { ...attributes, version: readVersion + 1 };
  return (await engine.update(key, { set }, { condition: asRead('version', readVersion) })).ok;
}

/** Runs `fn` over items with at most `limit` store calls in flight (a throw rejects the whole run). */
export async function eachWithLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
