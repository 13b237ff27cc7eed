/**
 * Export and import of the history table's items as JSON Lines, one item per line exactly as stored
 * (the single-table design of DESIGN.md): backups of the embedded store, and moves between the
 * embedded store and a DynamoDB table. Import writes with conditional puts only, so it never
 * overwrites an item the destination already has.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, paginateScan, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/table-schema';
import { isConditionFailure, storeError } from './dynamo-calls';
import { StoreError } from './errors';
import type { Item } from './items';

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
