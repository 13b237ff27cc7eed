/**
 * Opens the history store a command asked for: the embedded engine under a directory, or a DynamoDB
 * table (standard AWS credential chain; `endpoint` for any DynamoDB-compatible service).
 */
import { resolve } from 'node:path';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';
import type { HistoryStore } from '../core/ports';
import { escapeControls } from '../core/quote';
import type { StoreError } from './errors';
import { hasEngineFiles, storeDirState } from './store-paths';
import { checkTableName } from './table';
import { TableTransfer } from './table-transfer';

/** How long a reading command waits for a running cycle to let go of the embedded store. */
export const READ_LOCK_WAIT_MS = 5_000;

/** Where the history lives. */
export type StoreLocation = { kind: 'embedded'; dir: string } | { kind: 'table'; tableName: string; endpoint?: string };

/** Where another process (a local shard worker) finds an open store: the embedded engine's endpoint, or the table. */
export type ShardStore =
  | { kind: 'local'; endpoint: string; tableName: string }
  | { kind: 'table'; tableName: string; endpoint?: string };

/** An open store and how to let go of it. */
export interface OpenedStore {
  store: HistoryStore;
  /** For messages: the directory or `table NAME`. */
  where: string;
  /** Every item of the table, for export and import. */
  transfer: TableTransfer;
  /** How another process reaches this store while it is open (a local shard worker). */
  reach: ShardStore;
  /** Items the store's listing readers left out so far because they could not be used. */
  badItems(): readonly StoreError[];
  close(): Promise<void>;
}

/**
 * Opens the store at `location`. With `mustExist`, an embedded store whose directory holds no history
 * yet gives null instead of being created (reading commands leave nothing behind), and a store held by a
 * running cycle is waited for up to {@link READ_LOCK_WAIT_MS}. `readOnly` (a reading command; implies
 * `mustExist`) runs the engine on a private copy of the database: the store's files are left byte for
 * byte as they were (LevelDB rewrites its manifest on every open), and a store this process may not
 * write can still be read; what is written through it is lost on close.
 */
export async function openHistoryStore(
  location: StoreLocation,
  options: { mustExist?: boolean; readOnly?: boolean } = {},
): Promise<OpenedStore | null> {
  if (location.kind === 'embedded') {
    const dir = resolve(location.dir);
    const mustExist = options.mustExist || options.readOnly;
    if (mustExist && (storeDirState(dir) === 'absent' || !hasEngineFiles(dir))) return null;
    // dynalite loads only for the embedded store: `--table` runs without it.
    const { startEmbeddedStore } = await import('./embedded-store.js');
    const embedded = await startEmbeddedStore({
      dir,
      readOnly: options.readOnly,
      lockWaitMs: mustExist ? READ_LOCK_WAIT_MS : 0,
    });
    return {
      store: embedded.store,
      where: escapeControls(location.dir),
      transfer: new TableTransfer(embedded.store.engine),
      reach: { kind: 'local', endpoint: embedded.endpoint, tableName: embedded.tableName },
      badItems: () => embedded.store.badItems.found,
      close: embedded.close,
    };
  }
  const tableName = checkTableName(location.tableName);
  // The AWS SDK loads only for a table: the embedded store calls dynalite in-process.
  const [{ DynamoDBClient }, { dynamoHistoryStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('./dynamo-history-store.js'),
  ]);
  const regionSet = Boolean(process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
  const client = new DynamoDBClient({
    requestHandler: { ...AWS_REQUEST_TIMEOUTS },
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    // A DynamoDB-compatible endpoint ignores the region, but the SDK insists on one.
    ...(location.endpoint && !regionSet ? { region: 'us-east-1' } : {}),
  });
  const store = dynamoHistoryStore({ client, tableName });
  return {
    store,
    badItems: () => store.badItems.found,
    transfer: new TableTransfer(store.engine),
    reach: { kind: 'table', tableName, ...(location.endpoint ? { endpoint: location.endpoint } : {}) },
    where: `table ${tableName}${location.endpoint ? ` at ${location.endpoint}` : ''}`,
    close: async () => client.destroy(),
  };
}
