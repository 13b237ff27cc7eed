/**
 * The embedded history store for local runs: dynalite (a DynamoDB-compatible engine) in this process,
 * persisting under a directory, with the history table created if missing. The store talks to dynalite
 * directly (lambdas/store/dynalite-engine.ts); dynalite's HTTP server on a free loopback port serves
 * anything else that needs it (a shard worker, a DynamoDB client).
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lockDirectoryWaiting } from './dir-lock';
import { createDynalite, dynaliteTransport } from './dynalite-engine';
import { StoreError } from './errors';
import { historyStoreOn, type TableHistoryStore } from './history-store';
import { localDynamoClient } from './local-dynamo-client';
import { DEFAULT_STORE_DIR } from './store-defaults';
import { checkEmbeddedStore } from './store-integrity';
import { ensureStoreDir, isWritableStore, storeDirState } from './store-paths';
import { DEFAULT_TABLE_NAME, ensureTable } from './table';
import { WireEngine, type WireTransport } from './wire-engine';

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
  /** Read a private copy of an existing store (nothing is written to `dir`; see startEmbeddedStore). */
  readOnly?: boolean;
}

/** A running embedded store. */
export interface EmbeddedStore {
  /** `http://127.0.0.1:PORT`: any DynamoDB client (or a child process) can use it while it runs. */
  endpoint: string;
  tableName: string;
  /** Where the data lives, or null in memory. */
  path: string | null;
  /** A DynamoDB client on `endpoint`, made on first use (loading the AWS SDK). */
  readonly client: DynamoDBClient;
  /** The history store, on dynalite in-process. */
  store: TableHistoryStore;
  /** The in-process transport under `store` (an engine on another table, or one with faults, for tests). */
  transport: WireTransport;
  /** Stops the engine and flushes the data to disk. */
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (free port), opens or creates the table, and returns a store on it.
 * A directory that holds a damaged database is refused (see `store-integrity.ts`), never replaced.
 * With `readOnly` the engine runs on a private copy of the database, made under the lock (which is let
 * go at once) or without it where this process may not write: the store's own files are never opened,
 * so LevelDB rewrites none of them, and a read-only directory can be read.
 * @throws StoreError EMBEDDED_START_FAILED, STORE_INVALID, STORE_DAMAGED, STORE_READ_ONLY or STORE_LOCKED
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const dir = options.inMemory ? null : resolve(options.dir ?? DEFAULT_STORE_DIR);
  let path = dir ? join(dir, 'dynamodb') : null;
  let unlock = () => {};
  let cleanUp = () => {};
  if (dir && options.readOnly) {
    const copy = await readOnlyCopy(dir, tableName, options.lockWaitMs ?? 0);
    path = copy;
    cleanUp = () => rmSync(copy, { recursive: true, force: true });
  } else if (dir && path) {
    ensureStoreDir(dir);
    try {
      unlock = await lockDirectoryWaiting(dir, options.lockWaitMs ?? 0);
    } catch (cause) {
      if (cause instanceof StoreError && cause.code === 'STORE_READ_ONLY') {
        throw new StoreError(
          'STORE_READ_ONLY',
          `${cause.message}: this command writes to the store (history, export, timeline and pins can read it)`,
          { cause },
        );
      }
      throw cause;
    }
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
  let engine: ReturnType<typeof createDynalite>;
  try {
    engine = createDynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((ready, fail) => {
      engine.server.once('error', fail);
      engine.server.listen(0, '127.0.0.1', () => ready());
    });
  } catch (cause) {
    unlock();
    cleanUp();
    throw new StoreError('EMBEDDED_START_FAILED', `cannot start the embedded store: ${(cause as Error).message}`, {
      cause,
    });
  }
  const { server, db } = engine;
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  let client: DynamoDBClient | undefined;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      client?.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      unlock();
      cleanUp();
    })();
    return closed;
  };
  const transport = dynaliteTransport(db);
  try {
    await ensureTable(transport, tableName);
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
  return {
    endpoint,
    tableName,
    path,
    get client() {
      client ??= localDynamoClient(endpoint);
      return client;
    },
    store: historyStoreOn(new WireEngine(transport, tableName)),
    transport,
    close,
  };
}

/**
 * A checked private copy of the database under `dir` (the caller removes it): taken under the lock when
 * this process may write the lock file (so no cycle is half-way through a write), else without it.
 * @throws StoreError STORE_INVALID when there is no store, or the store's own refusals
 */
async function readOnlyCopy(dir: string, tableName: string, lockWaitMs: number): Promise<string> {
  if (storeDirState(dir) === 'absent') throw new StoreError('STORE_INVALID', `there is no store at ${dir}`);
  let unlock = () => {};
  if (isWritableStore(dir)) {
    try {
      unlock = await lockDirectoryWaiting(dir, lockWaitMs);
    } catch (cause) {
      if (!(cause instanceof StoreError && cause.code === 'STORE_READ_ONLY')) throw cause;
    }
  }
  try {
    const condition = await checkEmbeddedStore(dir, tableName, { keepCopy: true });
    if (!condition.copy) throw new StoreError('STORE_INVALID', `there is no store at ${dir}`);
    return condition.copy;
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError('EMBEDDED_START_FAILED', `cannot read the store ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  } finally {
    unlock();
  }
}
