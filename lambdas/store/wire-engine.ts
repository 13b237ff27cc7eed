/**
 * The {@link TableEngine} for anything that speaks DynamoDB's API: the AWS SDK's client (DynamoDB,
 * DynamoDB Local, dynalite over HTTP) or dynalite called in-process. It writes each engine operation as
 * one DynamoDB request, reads every page, counts consumed capacity, turns a refused condition into an
 * outcome and any other failure into a StoreError. A transport only carries the request.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  Condition,
  Consumption,
  ConsumptionReport,
  Item,
  ItemKey,
  PartitionQuery,
  ReadOptions,
  TableEngine,
  TableScan,
  Update,
  WriteOutcome,
} from './engine';
import { StoreError } from './errors';
import { checkTableName } from './table';
import { Expressions, keyAttributes, MARSHALL_OPTIONS } from './wire-expressions';

/** The DynamoDB operations the engine (and table set-up) sends. */
export type WireOperation =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'CreateTable'
  | 'DescribeTable';

/** A request or answer in DynamoDB's JSON form (attribute values marshalled). */
export type WireMessage = Record<string, unknown>;

/**
 * Carries one DynamoDB request and returns its answer. A failure is an Error whose `name` is DynamoDB's
 * error type (`ConditionalCheckFailedException`, `ResourceNotFoundException`, ...).
 */
export interface WireTransport {
  send(operation: WireOperation, request: WireMessage): Promise<WireMessage>;
}

type WireItem = Record<string, AttributeValue>;

const READS = new Set<WireOperation>(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
/** DynamoDB's limits per batch request. */
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
/** Rounds of unprocessed batch items retried (with a growing pause) before giving up. */
const BATCH_ROUNDS = 8;

/** {@link TableEngine} over a {@link WireTransport}. */
export class WireEngine implements TableEngine {
  readonly tableName: string;
  private readonly total: Consumption = emptyConsumption();
  private readonly byOperation: Record<string, Consumption> = {};

  constructor(
    private readonly transport: WireTransport,
    tableName: string,
  ) {
    this.tableName = checkTableName(tableName);
  }

  async get(key: ItemKey, options: ReadOptions = {}): Promise<Item | null> {
    const x = new Expressions();
    const projection = options.attributes ? x.projection(options.attributes) : undefined;
    const answer = await this.send('GetItem', `read item ${describeKey(key)}`, {
      Key: marshall(key),
      ...(options.consistent ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection } : {}),
      ...x.placeholders(),
    });
    return answer.Item ? unmarshall(answer.Item as WireItem) : null;
  }

  put(item: Item, options: { condition?: Condition } = {}): Promise<WriteOutcome> {
    const x = new Expressions();
    const condition = options.condition ? x.condition(options.condition) : undefined;
    return this.write('PutItem', `write item ${describeKey(item)}`, {
      Item: marshall(item, MARSHALL_OPTIONS),
      ...(condition ? { ConditionExpression: condition } : {}),
      ...x.placeholders(),
    });
  }

  update(
    key: ItemKey,
    update: Update,
    options: { condition?: Condition; returnItem?: boolean } = {},
  ): Promise<WriteOutcome> {
    const x = new Expressions();
    const expression = x.update(update);
    const condition = options.condition ? x.condition(options.condition) : undefined;
    return this.write('UpdateItem', `update item ${describeKey(key)}`, {
      Key: marshall(key),
      UpdateExpression: expression,
      ...(condition ? { ConditionExpression: condition } : {}),
      ...(options.returnItem ? { ReturnValues: 'ALL_NEW' } : {}),
      ...x.placeholders(),
    });
  }

  delete(key: ItemKey, options: { condition?: Condition } = {}): Promise<WriteOutcome> {
    const x = new Expressions();
    const condition = options.condition ? x.condition(options.condition) : undefined;
    return this.write('DeleteItem', `delete item ${describeKey(key)}`, {
      Key: marshall(key),
      ...(condition ? { ConditionExpression: condition } : {}),
      ...x.placeholders(),
    });
  }

  async query(query: PartitionQuery): Promise<Item[]> {
    const x = new Expressions();
    const keys = keyAttributes(query.index);
    const keyCondition = [
      `${x.name(keys.partitionKey)} = ${x.value(query.partition)}`,
      ...(query.sortKeyPrefix === undefined
        ? []
        : [`begins_with(${x.name(keys.sortKey)}, ${x.value(query.sortKeyPrefix)})`]),
    ].join(' AND ');
    const request = {
      KeyConditionExpression: keyCondition,
      ...readParts(x, query),
      ...(query.index ? { IndexName: query.index } : {}),
    };
    const items: Item[] = [];
    for await (const page of this.pages('Query', `query partition ${query.partition}`, request)) items.push(...page);
    return items;
  }

  async *scan(scan: TableScan = {}): AsyncIterable<Item> {
    const x = new Expressions();
    const request = { ...readParts(x, scan), ...(scan.index ? { IndexName: scan.index } : {}) };
    for await (const page of this.pages('Scan', 'scan the table', request)) yield* page;
  }

  async batchGet(keys: readonly ItemKey[], options: ReadOptions = {}): Promise<Item[]> {
    const x = new Expressions();
    const projection = options.attributes ? x.projection(options.attributes) : undefined;
    const items: Item[] = [];
    for (let at = 0; at < keys.length; at += BATCH_GET_KEYS) {
      let pending: WireMessage = {
        Keys: keys.slice(at, at + BATCH_GET_KEYS).map((k) => marshall(k)),
        ...(options.consistent ? { ConsistentRead: true } : {}),
        ...(projection ? { ProjectionExpression: projection } : {}),
        ...x.placeholders(),
      };
      for (let round = 0; ; round++) {
        const answer = await this.send('BatchGetItem', `read ${keys.length} items`, {
          RequestItems: { [this.tableName]: pending },
        });
        const found = (answer.Responses as Record<string, WireItem[]> | undefined)?.[this.tableName] ?? [];
        items.push(...found.map((i) => unmarshall(i)));
        const left = (answer.UnprocessedKeys as Record<string, WireMessage> | undefined)?.[this.tableName];
        if (!left || ((left.Keys as unknown[] | undefined)?.length ?? 0) === 0) break;
        pending = left;
        await this.pauseBeforeRound(round, `read ${keys.length} items`);
      }
    }
    return items;
  }

  async batchWrite(writes: { put?: readonly Item[]; delete?: readonly ItemKey[] }): Promise<void> {
    const requests = [
      ...(writes.put ?? []).map((item) => ({ PutRequest: { Item: marshall(item, MARSHALL_OPTIONS) } })),
      ...(writes.delete ?? []).map((key) => ({ DeleteRequest: { Key: marshall(key) } })),
    ];
    const doing = `write ${requests.length} items`;
    for (let at = 0; at < requests.length; at += BATCH_WRITE_ITEMS) {
      let pending: unknown[] = requests.slice(at, at + BATCH_WRITE_ITEMS);
      for (let round = 0; ; round++) {
        const answer = await this.send('BatchWriteItem', doing, { RequestItems: { [this.tableName]: pending } });
        const left = (answer.UnprocessedItems as Record<string, unknown[]> | undefined)?.[this.tableName] ?? [];
        if (left.length === 0) break;
        pending = left;
        await this.pauseBeforeRound(round, doing);
      }
    }
  }

  consumption(): ConsumptionReport {
    return {
      ...this.total,
      byOperation: Object.fromEntries(Object.entries(this.byOperation).map(([op, c]) => [op, { ...c }])),
    };
  }

  private async write(operation: WireOperation, doing: string, request: WireMessage): Promise<WriteOutcome> {
    try {
      const answer = await this.send(operation, doing, request);
      return { ok: true, item: answer.Attributes ? unmarshall(answer.Attributes as WireItem) : null };
    } catch (error) {
      if (error instanceof StoreError && isConditionFailure(error.cause)) {
        this.count(operation, undefined, true);
        return { ok: false };
      }
      throw error;
    }
  }

  private async *pages(operation: 'Query' | 'Scan', doing: string, request: WireMessage): AsyncIterable<Item[]> {
    let start: unknown;
    do {
      const answer = await this.send(operation, doing, {
        ...request,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      });
      yield ((answer.Items as WireItem[] | undefined) ?? []).map((i) => unmarshall(i));
      start = answer.LastEvaluatedKey;
    } while (start !== undefined);
  }

  private async send(operation: WireOperation, doing: string, request: WireMessage): Promise<WireMessage> {
    let answer: WireMessage;
    try {
      answer = await this.transport.send(operation, {
        TableName: this.tableName,
        ReturnConsumedCapacity: 'TOTAL',
        ...request,
      });
    } catch (error) {
      throw storeError(error, this.tableName, doing);
    }
    this.count(operation, answer.ConsumedCapacity, false);
    return answer;
  }

  private count(operation: WireOperation, reported: unknown, refused: boolean): void {
    const units = [reported ?? []]
      .flat()
      .reduce<number>((sum, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
    const read = READS.has(operation);
    this.byOperation[operation] ??= emptyConsumption();
    for (const c of [this.total, this.byOperation[operation]]) {
      c.requests += 1;
      if (refused) c.refusedWrites += 1;
      else if (read) c.readUnits += units;
      else c.writeUnits += units;
    }
  }

  private async pauseBeforeRound(round: number, doing: string): Promise<void> {
    if (round + 1 >= BATCH_ROUNDS) {
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `cannot ${doing} in table "${this.tableName}": items still unprocessed after ${BATCH_ROUNDS} rounds`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
  }
}

/** A StoreError for a transport failure: TABLE_MISSING when the table does not exist, else STORE_UNAVAILABLE. */
export function storeError(error: unknown, tableName: string, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  if (errorName(error) === 'ResourceNotFoundException') {
    return new StoreError(
      'TABLE_MISSING',
      `table "${tableName}" does not exist (deploy the stack, or use --store for a local history)`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError('STORE_UNAVAILABLE', `cannot ${doing} in table "${tableName}": ${message}`, { cause: error });
}

/** A refused condition, by name rather than class: several copies of the SDK may be installed side by side. */
export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function readParts(x: Expressions, read: ReadOptions & { filter?: Condition; pageSize?: number }): WireMessage {
  const filter = read.filter ? x.condition(read.filter) : undefined;
  const projection = read.attributes ? x.projection(read.attributes) : undefined;
  return {
    ...(read.consistent ? { ConsistentRead: true } : {}),
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...(read.pageSize ? { Limit: read.pageSize } : {}),
    ...x.placeholders(),
  };
}

function describeKey(key: Item | ItemKey): string {
  return `${String(key.pk)} / ${String(key.sk)}`;
}

function emptyConsumption(): Consumption {
  return { requests: 0, readUnits: 0, writeUnits: 0, refusedWrites: 0 };
}
