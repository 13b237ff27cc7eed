/**
 * Creating the history table (contract: docs/history-table.md; docs/architecture.md "Store engines")
 * where nothing else does: the embedded store and tests. The key names live in `table-schema.ts`, which
 * the CDK stack reads.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../contract/table-schema';
import { StoreError } from './errors';
import type { WireTransport } from './wire-engine';

export { DEFAULT_TABLE_NAME, keys, TABLE_SCHEMA } from '../contract/table-schema';

/** DynamoDB's rule for table names (dynalite enforces it too). */
export function checkTableName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
    throw new StoreError(
      'TABLE_NAME_INVALID',
      `table name "${name}" is invalid: 3-255 characters of letters, digits, "_", "-" and "."`,
    );
  }
  return name;
}

/** CreateTable input: on-demand, keys and GSI as the table contract says (no PITR: the stack sets that). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, fingerprintIndex } = TABLE_SCHEMA;
  return {
    TableName: checkTableName(tableName),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey, fingerprintIndex.partitionKey, fingerprintIndex.sortKey].map(
      (AttributeName) => ({ AttributeName, AttributeType: 'S' }),
    ),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: fingerprintIndex.name,
        KeySchema: [
          { AttributeName: fingerprintIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: fingerprintIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * Creates the table unless it exists, and waits until it is ACTIVE (polling every 100 ms up to `timeoutMs`).
 * Returns whether it was created.
 */
export async function ensureTable(transport: WireTransport, tableName: string, timeoutMs = 30_000): Promise<boolean> {
  let created = false;
  try {
    await transport.send('CreateTable', { ...createTableInput(tableName) });
    created = true;
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') {
      throw new StoreError('STORE_UNAVAILABLE', `cannot create table "${tableName}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { Table } = (await transport.send('DescribeTable', { TableName: tableName })) as {
        Table?: { TableStatus?: string };
      };
      if (Table?.TableStatus === 'ACTIVE') return created;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    if (Date.now() > deadline) {
      throw new StoreError('STORE_UNAVAILABLE', `table "${tableName}" did not become ACTIVE within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
