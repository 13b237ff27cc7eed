/**
 * The embedded history store for local runs: dynalite (a DynamoDB-compatible engine) started in-process
 * on a free loopback port, persisting under a directory, with the history table created if missing.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { lockDirectoryWaiting } from './dir-lock';
import { dynamoHistoryStore, type TableHistoryStore } from './dynamo-history-store';
import { StoreError } from './errors';
import { localDynamoClient } from './local-dynamo-client';
import { sdkTransport } from './sdk-transport';
import { DEFAULT_STORE_DIR } from './store-defaults';
import { checkEmbeddedStore } from './store-integrity';
import { DEFAULT_TABLE_NAME, ensureTable } from './table';

export { localDynamoClient } from './local-dynamo-client';
export { DEFAULT_STORE_DIR } from './store-defaults';

/** Options of {@link startEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** Directory to persist under (created if missing); default `.certwatch`. */
  dir?: string;
  tableName?: string;
  /** Keep everything in memory instead (tests that need no persistence). */
  inMemory?: boolean;
  /** How long to wait for another process (a running cycle) to let go of the directory; default 0. */
  lockWaitMs?: number;
}

/** A running embedded store. */
export interface EmbeddedStore {
  /** `http://127.0.0.1:PORT`: any DynamoDB client (or a child process) can use it while it runs. */
  endpoint: string;
  tableName: string;
  /** Where the data lives, or null in memory. */
  path: string | null;
  client: DynamoDBClient;
  store: TableHistoryStore;
  /** Stops the engine and flushes the data to disk. */
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (free port), opens or creates the table, and returns a store on it.
 * A directory that holds a damaged database is refused (see `store-integrity.ts`), never replaced.
 * @throws StoreError EMBEDDED_START_FAILED, STORE_INVALID, STORE_DAMAGED or STORE_LOCKED (another process uses the directory).
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const dir = options.inMemory ? null : resolve(options.dir ?? DEFAULT_STORE_DIR);
  const path = dir ? join(dir, 'dynamodb') : null;
  let unlock = () => {};
  if (dir && path) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new StoreError('STORE_INVALID', `the store ${dir} is not a directory: give --store a directory`);
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw new StoreError(
        'EMBEDDED_START_FAILED',
        `cannot create the store directory ${dir}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    unlock = await lockDirectoryWaiting(dir, options.lockWaitMs ?? 0);
    try {
      await checkEmbeddedStore(dir, tableName);
      mkdirSync(path, { recursive: true });
    } catch (cause) {
      unlock();
      if (cause instanceof StoreError) throw cause;
      throw new StoreError('EMBEDDED_START_FAILED', `cannot open the store ${dir}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((ready, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ready());
    });
  } catch (cause) {
    unlock();
    throw new StoreError('EMBEDDED_START_FAILED', `cannot start the embedded store: ${(cause as Error).message}`, {
      cause,
    });
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      client.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      unlock();
    })();
    return closed;
  };
  try {
    await ensureTable(sdkTransport(client), tableName);
  } catch (cause) {
    await close();
    throw new StoreError(
      'EMBEDDED_START_FAILED',
      `cannot open the embedded store${dir ? ` at ${dir}` : ''}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return { endpoint, tableName, path, client, store: dynamoHistoryStore({ client, tableName }), close };
}
