/**
 * The store engine: the few operations the history, outbox, lease, watch-list and run logic needs from
 * the single table, and nothing more (docs/architecture.md "Store engines"). Every write is a single-item
 * write, conditional or not — no transactions (dynalite has none, and none are needed). A refused
 * condition is an outcome (`{ ok: false }`), never an exception: the logic decides what a refusal means.
 * Any other failure throws a StoreError (TABLE_MISSING, STORE_UNAVAILABLE).
 *
 * Items are plain values (strings, numbers, booleans, null, arrays, objects) keyed by `pk` and `sk`.
 */

/** A stored item: plain values, keyed by `pk` and `sk`. */
export type Item = Record<string, unknown>;

/** The key of one item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** A value a condition compares with. */
export type Scalar = string | number | boolean;

/** What the item must look like for a write to apply (or, as a filter, for a read to return it). */
export type Condition =
  /** There is no item under the key. */
  | { kind: 'itemAbsent' }
  /** There is an item under the key. */
  | { kind: 'itemPresent' }
  | { kind: 'equals'; attribute: string; value: Scalar }
  | { kind: 'lessThan'; attribute: string; value: Scalar }
  /** The item (if any) has no such attribute. */
  | { kind: 'attributeMissing'; attribute: string }
  | { kind: 'beginsWith'; attribute: string; prefix: string }
  | { kind: 'all'; of: readonly Condition[] }
  | { kind: 'any'; of: readonly Condition[] };

/** Builders for {@link Condition}s, so that call sites read as the condition they state. */
export const when = {
  itemAbsent: (): Condition => ({ kind: 'itemAbsent' }),
  itemPresent: (): Condition => ({ kind: 'itemPresent' }),
  equals: (attribute: string, value: Scalar): Condition => ({ kind: 'equals', attribute, value }),
  lessThan: (attribute: string, value: Scalar): Condition => ({ kind: 'lessThan', attribute, value }),
  attributeMissing: (attribute: string): Condition => ({ kind: 'attributeMissing', attribute }),
  beginsWith: (attribute: string, prefix: string): Condition => ({ kind: 'beginsWith', attribute, prefix }),
  all: (...of: Condition[]): Condition => ({ kind: 'all', of }),
  any: (...of: Condition[]): Condition => ({ kind: 'any', of }),
};

/** Changes to one item: attributes set, numbers added to (absent counts as 0), attributes removed. */
export interface Update {
  set?: Item;
  add?: Record<string, number>;
  remove?: readonly string[];
}

/** A write's outcome: applied (with the item after an update when asked), or refused by its condition. */
export type WriteOutcome = { ok: true; item: Item | null } | { ok: false };

/** Options of a read. */
export interface ReadOptions {
  /** Strongly consistent read (not on an index). */
  consistent?: boolean;
  /** Only these attributes (the key attributes are not added). */
  attributes?: readonly string[];
}

/** A query of one partition, of the table or of an index. */
export interface PartitionQuery extends ReadOptions {
  /** The partition key's value (`pk`, or the index's partition key). */
  partition: string;
  /** The index to read (`byFingerprint`), or the table. */
  index?: string;
  /** Only sort keys that start with this. */
  sortKeyPrefix?: string;
  /** Items that do not match are read (and paid for) but not returned. */
  filter?: Condition;
  /** Items per page (every page is read); the engine's default otherwise. */
  pageSize?: number;
}

/** A read of every item of the table or an index. */
export interface TableScan extends ReadOptions {
  index?: string;
  filter?: Condition;
  pageSize?: number;
}

/** Capacity units and requests, as the engine reported them (ReturnConsumedCapacity TOTAL). */
export interface Consumption {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Conditional writes refused (DynamoDB charges them as writes but reports no units for them). */
  refusedWrites: number;
}

/** What an engine consumed since it was made: in total and per operation (`PutItem`, `Query`, ...). */
export interface ConsumptionReport extends Consumption {
  byOperation: Record<string, Consumption>;
}

/** The operations the store logic needs from one table. */
export interface TableEngine {
  /** For messages. */
  readonly tableName: string;
  get(key: ItemKey, options?: ReadOptions): Promise<Item | null>;
  /** Writes the whole item, when `condition` holds for the item it replaces. */
  put(item: Item, options?: { condition?: Condition }): Promise<WriteOutcome>;
  /** Changes attributes of an item (creating it when absent), when `condition` holds. */
  update(
    key: ItemKey,
    update: Update,
    options?: { condition?: Condition; returnItem?: boolean },
  ): Promise<WriteOutcome>;
  delete(key: ItemKey, options?: { condition?: Condition }): Promise<WriteOutcome>;
  /** Every item of one partition (all pages), in sort-key order. */
  query(query: PartitionQuery): Promise<Item[]>;
  /** Every item of the table or an index, page by page; stop iterating to stop reading. */
  scan(scan?: TableScan): AsyncIterable<Item>;
  /** The items of these keys that exist (any order). */
  batchGet(keys: readonly ItemKey[], options?: ReadOptions): Promise<Item[]>;
  /** Unconditional puts and deletes, in as few requests as the engine allows. */
  batchWrite(writes: { put?: readonly Item[]; delete?: readonly ItemKey[] }): Promise<void>;
  /** Capacity consumed since the engine was made. */
  consumption(): ConsumptionReport;
}

/** Every item of a scan, in an array. */
export async function scanAll(engine: TableEngine, scan?: TableScan): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of engine.scan(scan)) items.push(item);
  return items;
}

/** The key of an item. */
export function keyOf(item: Item): ItemKey {
  return { pk: String(item.pk), sk: String(item.sk) };
}
