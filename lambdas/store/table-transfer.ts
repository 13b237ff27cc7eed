/**
 * Export and import of the history table's items as JSON Lines, one item per line exactly as stored
 * (the single-table design of DESIGN.md): backups of the embedded store, and moves between the
 * embedded store and a DynamoDB table. Import writes with conditional puts only, so it never
 * overwrites an item the destination already has.
 */
import { keys } from '../contract/table-schema';
import { putIfAbsent } from './conditional-writes';
import type { Item, TableEngine } from './engine';
import { StoreError } from './errors';

/** The largest item DynamoDB stores is 400 KB; a line holds one item plus JSON's overhead. */
export const MAX_IMPORT_LINE_BYTES = 1024 * 1024;

/** What an import did. */
export interface ImportOutcome {
  written: number;
  /** Items the destination already had (with `merge`), left as they were. */
  kept: number;
  /** Outbox items that arrived pending and were marked as not to be published from here. */
  outboxSettled: number;
}

/** Parses JSON Lines of items; blank lines are skipped. */
export function parseItemLines(text: string, source: string): Item[] {
  const items: Item[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source}: line ${index + 1}`;
    if (Buffer.byteLength(line) > MAX_IMPORT_LINE_BYTES) {
      throw new StoreError('IMPORT_INVALID', `${where}: longer than ${MAX_IMPORT_LINE_BYTES} bytes`);
    }
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (cause) {
      throw new StoreError('IMPORT_INVALID', `${where}: not JSON (${(cause as Error).message})`, { cause });
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new StoreError('IMPORT_INVALID', `${where}: expected one item as a JSON object`);
    }
    const { pk, sk } = item as Item;
    if (typeof pk !== 'string' || pk === '' || typeof sk !== 'string' || sk === '') {
      throw new StoreError('IMPORT_INVALID', `${where}: an item needs non-empty string keys "pk" and "sk"`);
    }
    items.push(item as Item);
  });
  return items;
}

/**
 * An outbox item as the destination keeps it: a notice still pending at the source was (or will be)
 * published from there, so here it only records that it exists and is never claimed for publishing.
 */
export function settleOutboxItem(item: Item, now: Date): { item: Item; settled: boolean } {
  if (item.pk !== keys.outbox || item.status !== 'pending') return { item, settled: false };
  return {
    item: {
      ...item,
      status: 'sent',
      claimedBy: null,
      claimedUntil: null,
      lastError: `imported ${now.toISOString()} while pending at its source: not published from this store`,
    },
    settled: true,
  };
}

/** Reads and writes every item of one table. */
export class TableTransfer {
  readonly tableName: string;

  constructor(private readonly engine: TableEngine) {
    this.tableName = engine.tableName;
  }

  /** Every item, page by page (strongly consistent). */
  items(): AsyncIterable<Item> {
    return this.engine.scan({ consistent: true });
  }

  /** Whether the table holds no item at all. */
  async isEmpty(): Promise<boolean> {
    for await (const _ of this.engine.scan({ pageSize: 1 })) return false;
    return true;
  }

  /**
   * Writes `items`. A destination that holds anything is refused unless `merge`; with `merge`, items it
   * already has are kept as they are. Pending outbox items are settled (never published again).
   * @throws StoreError IMPORT_NOT_EMPTY, or the store's own errors.
   */
  async importItems(
    items: readonly Item[],
    options: { merge: boolean; now: Date; where: string },
  ): Promise<ImportOutcome> {
    if (!options.merge && !(await this.isEmpty())) {
      throw new StoreError(
        'IMPORT_NOT_EMPTY',
        `${options.where} already holds history: give --merge to add to it (items it already has are kept)`,
      );
    }
    const outcome: ImportOutcome = { written: 0, kept: 0, outboxSettled: 0 };
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const { item, settled } = settleOutboxItem(items[next++], options.now);
        if (await putIfAbsent(this.engine, item)) {
          outcome.written++;
          if (settled) outcome.outboxSettled++;
        } else {
          outcome.kept++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
    return outcome;
  }
}
