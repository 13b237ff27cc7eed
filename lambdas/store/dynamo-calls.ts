/**
 * Small helpers around lib-dynamodb calls: reading every page (lib-dynamodb's paginators), and turning SDK
 * failures into StoreErrors.
 */
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from './errors';
import type { Item } from './items';

/** Every item of a Query, all pages (lib-dynamodb's paginator). */
export function queryAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: Omit<QueryCommandInput, 'TableName'>,
): Promise<Item[]> {
  return collect(paginateQuery({ client: doc }, { ...input, TableName: tableName }), tableName, 'query the history');
}

/** Every item of a Scan, all pages (lib-dynamodb's paginator). */
export function scanAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  input: Omit<ScanCommandInput, 'TableName'>,
): Promise<Item[]> {
  return collect(paginateScan({ client: doc }, { ...input, TableName: tableName }), tableName, 'scan the history');
}

async function collect(
  pages: AsyncIterable<{ Items?: Record<string, unknown>[] }>,
  tableName: string,
  doing: string,
): Promise<Item[]> {
  const items: Item[] = [];
  try {
    for await (const page of pages) items.push(...((page.Items ?? []) as Item[]));
  } catch (error) {
    throw storeError(error, tableName, doing);
  }
  return items;
}

/** A StoreError for an SDK failure: TABLE_MISSING when the table does not exist, else STORE_UNAVAILABLE. */
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

/** A failed condition, by name rather than class: several copies of the SDK may be installed side by side. */
export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/** Runs `fn` over items with at most `limit` store calls in flight (a throw rejects the whole run). */
export async function eachWithLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
