/**
 * The watch list and MX sets on the DynamoDB table: conditional single-item writes only (no
 * transactions), so they work on dynalite as on DynamoDB and concurrent edits never overwrite each other.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/table-schema';
import type { MxRecord } from '../core/mx';
import type { WatchEdit, WatchListStore } from '../core/ports';
import { sortItems, type WatchItem, type WatchList, type WatchListMeta, type WatchSource } from '../core/watch-list';
import { BadItems } from './bad-items';
import { eachWithLimit, isConditionFailure, queryAll, scanAll, storeError } from './dynamo-calls';
import { mxFrom, mxItem, watchItem, watchItemFrom, watchMetaFrom, watchMetaItem } from './watch-list-items';

/** Store calls in flight at once when many targets are edited. */
const WRITE_CONCURRENCY = 16;

/** {@link WatchListStore} on a DynamoDB table (the history store delegates to it). */
export class DynamoWatchList implements WatchListStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly badItems = new BadItems(),
  ) {}

  async loadWatchList(): Promise<WatchList | null> {
    const items = await queryAll(this.doc, this.tableName, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.watchList },
      ConsistentRead: true,
    });
    const meta = items.find((i) => i.sk === keys.watchMeta);
    if (!meta) return null;
    const entries = this.badItems.decodeEach(
      items.filter((i) => String(i.sk).startsWith('ITEM#')),
      watchItemFrom,
    );
    return { meta: watchMetaFrom(meta), items: sortItems(entries) };
  }

  async putWatchItemsIfAbsent(items: readonly WatchItem[]): Promise<string[]> {
    const written: string[] = [];
    await eachWithLimit(items, WRITE_CONCURRENCY, async (item) => {
      if (await this.putIfAbsent(watchItem(item), `add ${item.target} to the watch list`)) written.push(item.target);
    });
    return written;
  }

  async putWatchListMeta(meta: WatchListMeta): Promise<boolean> {
    return this.putIfAbsent(watchMetaItem(meta), 'record how the watch list was set up');
  }

  async setContextDigest(digest: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.watchList, sk: keys.watchMeta },
          UpdateExpression: 'SET contextDigest = :d',
          ExpressionAttributeValues: { ':d': digest },
        }),
      );
    } catch (error) {
      throw storeError(error, this.tableName, 'record the deployed target list');
    }
  }

  async setWatchPolicy(target: string, policy: unknown): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.watchList, sk: keys.watchItem(target) },
          UpdateExpression: 'SET #policy = :policy',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#policy': 'policy' },
          ExpressionAttributeValues: { ':policy': policy },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error, this.tableName, `set the consumer policy of ${target}`);
    }
  }

  async addWatchTargets(
    targets: readonly string[],
    source: WatchSource,
    now: Date,
    options: { reactivate: boolean },
  ): Promise<WatchEdit> {
    const edit: WatchEdit = { changed: [], unchanged: [], refused: [] };
    const at = now.toISOString();
    await eachWithLimit(targets, WRITE_CONCURRENCY, async (target) => {
      const item: WatchItem = { target, status: 'active', addedAt: at, removedAt: null, source };
      if (await this.putIfAbsent(watchItem(item), `add ${target} to the watch list`)) {
        edit.changed.push(target);
        return;
      }
      if (options.reactivate && (await this.reactivate(target, source, at))) {
        edit.changed.push(target);
        return;
      }
      const current = await this.getItem(target);
      (current?.status === 'removed' ? edit.refused : edit.unchanged).push(target);
    });
    return sorted(edit, targets);
  }

  async removeWatchTargets(targets: readonly string[], now: Date): Promise<WatchEdit> {
    const edit: WatchEdit = { changed: [], unchanged: [], refused: [] };
    await eachWithLimit(targets, WRITE_CONCURRENCY, async (target) => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: keys.watchList, sk: keys.watchItem(target) },
            UpdateExpression: 'SET #status = :removed, removedAt = :now',
            ConditionExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':removed': 'removed', ':active': 'active', ':now': now.toISOString() },
          }),
        );
        edit.changed.push(target);
      } catch (error) {
        if (!isConditionFailure(error)) throw storeError(error, this.tableName, `remove ${target} from the watch list`);
        ((await this.getItem(target)) ? edit.unchanged : edit.refused).push(target);
      }
    });
    return sorted(edit, targets);
  }

  async listHistoryTargets(): Promise<string[]> {
    const items = await scanAll(this.doc, this.tableName, {
      FilterExpression: 'begins_with(pk, :target)',
      ProjectionExpression: 'pk',
      ExpressionAttributeValues: { ':target': 'TARGET#' },
    });
    return [...new Set(items.map((i) => String(i.pk).slice('TARGET#'.length)))].sort();
  }

  async loadMx(domain: string): Promise<MxRecord | null> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.mx(domain), sk: keys.mxSet },
          ConsistentRead: true,
        }),
      );
      return Item ? mxFrom(Item) : null;
    } catch (error) {
      throw storeError(error, this.tableName, `read the MX set of ${domain}`);
    }
  }

  async saveMx(record: MxRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: mxItem(record),
          ConditionExpression: record.rev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
          ExpressionAttributeValues: record.rev === 0 ? undefined : { ':rev': record.rev },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error, this.tableName, `write the MX set of ${record.domain}`);
    }
  }

  async listMx(): Promise<MxRecord[]> {
    const items = await scanAll(this.doc, this.tableName, {
      FilterExpression: 'begins_with(pk, :mx) AND sk = :sk',
      ExpressionAttributeValues: { ':mx': 'MX#', ':sk': keys.mxSet },
    });
    return this.badItems.decodeEach(items, mxFrom).sort((a, b) => a.domain.localeCompare(b.domain));
  }

  private async reactivate(target: string, source: WatchSource, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.watchList, sk: keys.watchItem(target) },
          UpdateExpression: 'SET #status = :active, addedAt = :at, #source = :source REMOVE removedAt',
          ConditionExpression: '#status = :removed',
          ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
          ExpressionAttributeValues: { ':active': 'active', ':removed': 'removed', ':at': at, ':source': source },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error, this.tableName, `add ${target} to the watch list again`);
    }
  }

  private async getItem(target: string): Promise<WatchItem | null> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.watchList, sk: keys.watchItem(target) },
          ConsistentRead: true,
        }),
      );
      return Item ? watchItemFrom(Item) : null;
    } catch (error) {
      throw storeError(error, this.tableName, `read ${target} of the watch list`);
    }
  }

  private async putIfAbsent(item: Record<string, unknown>, doing: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error, this.tableName, doing);
    }
  }
}

/** The edit's lists in the order the targets were asked. */
function sorted(edit: WatchEdit, order: readonly string[]): WatchEdit {
  const rank = new Map(order.map((t, i) => [t, i]));
  const by = (list: string[]) => list.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  return { changed: by(edit.changed), unchanged: by(edit.unchanged), refused: by(edit.refused) };
}
