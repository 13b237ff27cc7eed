/**
 * Export and import of the history table's items as JSON Lines, one item per line exactly as stored
 * (the single table of docs/history-table.md): backups of the embedded store, and moves between the
 * embedded store and a DynamoDB table. Import writes with conditional puts only, so it never
 * overwrites an item the destination already has.
 */
import { keys } from '../contract/table-schema';
import { putIfAbsent } from './conditional-writes';
import { type Item, keyOf, type TableEngine, when } from './engine';
import { StoreError } from './errors';
import { ImportLines } from './import-lines';

export { ImportLines, MAX_IMPORT_LINE_BYTES } from './import-lines';

/** What an import did. */
export interface ImportOutcome {
  written: number;
  /** Items the destination already had (with `merge`), left as they were. */
  kept: number;
  /** Outbox items that arrived pending and were marked as not to be published from here. */
  outboxSettled: number;
}

/** Parses JSON Lines of items, each checked as {@link ImportLines} does; blank lines are skipped. */
export function parseItemLines(text: string, source: string): Item[] {
  const lines = new ImportLines(source);
  for (const line of text.split('\n')) lines.add(line);
  return lines.items;
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

  /** Removes one item by its keys (`certwatch repair`); false when it was already gone. */
  async removeItem(item: Item): Promise<boolean> {
    const outcome = await this.engine.delete(keyOf(item), { condition: when.itemPresent() });
    return outcome.ok;
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
