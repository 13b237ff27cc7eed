/**
 * Export and import of the history table's items as JSON Lines, one item per line exactly as stored
 * (the single-table design of DESIGN.md): backups of the embedded store, and moves between the
 * embedded store and a DynamoDB table. Import writes with conditional puts only, so it never
 * overwrites an item the destination already has.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, paginateScan, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/table-schema';
import { isConditionFailure, storeError } from './dynamo-calls';
import { StoreError } from './errors';
import { ImportLines } from './import-lines';
import type { Item } from './items';

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
  private readonly doc: DynamoDBDocumentClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.tableName = tableName;
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Every item, page by page (strongly consistent). */
  async *items(): AsyncGenerator<Item> {
    try {
      for await (const page of paginateScan(
        { client: this.doc },
        { TableName: this.tableName, ConsistentRead: true },
      )) {
        for (const item of page.Items ?? []) yield item;
      }
    } catch (error) {
      throw storeError(error, this.tableName, 'read every item');
    }
  }

  /** Removes one item by its keys (`certwatch repair`); false when it was already gone. */
  async removeItem(item: Item): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error, this.tableName, `remove ${String(item.pk)} / ${String(item.sk)}`);
    }
  }

  /** Whether the table holds no item at all. */
  async isEmpty(): Promise<boolean> {
    try {
      const page = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: 1 }));
      return (page.Items ?? []).length === 0 && page.LastEvaluatedKey === undefined;
    } catch (error) {
      throw storeError(error, this.tableName, 'look for existing items');
    }
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
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          outcome.written++;
          if (settled) outcome.outboxSettled++;
        } catch (error) {
          if (!isConditionFailure(error)) throw storeError(error, this.tableName, `import ${item.pk} / ${item.sk}`);
          outcome.kept++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
    return outcome;
  }
}
