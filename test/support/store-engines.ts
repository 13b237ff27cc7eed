/**
 * The store engines the store contract tests run on, each behind the same small interface: a fresh,
 * empty history table with a store (and a raw DynamoDB client for looking at the items) on it.
 * - dynalite in-process (the embedded store's own path: `check --store DIR`);
 * - dynalite over HTTP through the AWS SDK (the path a shard worker or `--endpoint` takes);
 * - AWS's DynamoDB Local through the AWS SDK (one JVM per suite: `start` in beforeAll, `stop` in afterAll).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoHistoryStore, type TableHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import type { TableEngine } from '../../lambdas/store/engine';
import { localDynamoClient } from '../../lambdas/store/local-dynamo-client';
import { sdkEngine, sdkTransport } from '../../lambdas/store/sdk-transport';
import { ensureTable } from '../../lambdas/store/table';
import { WireEngine } from '../../lambdas/store/wire-engine';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';

/** A fresh table on an engine. */
export interface OpenTable {
  store: TableHistoryStore;
  /** A DynamoDB client on the same table, to look at (or plant) items as a user of the AWS CLI would. */
  client: DynamoDBClient;
  tableName: string;
  /** An engine of the same kind on another table (which may not exist). */
  engineOn(tableName: string): TableEngine;
  close(): Promise<void>;
}

/** An engine the contract runs on. */
export interface StoreEngineUnderTest {
  name: string;
  /** Starts what every table of the suite shares (DynamoDB Local's JVM); a no-op for the others. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new, empty table with a store on it (a table of its own, so tests never see each other's items). */
  open(): Promise<OpenTable>;
}

let tables = 0;
const nextName = () => `contract-${process.pid}-${++tables}`;

/** dynalite, in memory, called in-process: the embedded store as `certwatch check --store` opens it. */
export const dynaliteInProcess: StoreEngineUnderTest = {
  name: 'dynalite in-process',
  start: async () => undefined,
  stop: async () => undefined,
  async open() {
    const embedded = await startEmbeddedStore({ inMemory: true, tableName: nextName() });
    return {
      store: embedded.store,
      get client() {
        return embedded.client;
      },
      tableName: embedded.tableName,
      engineOn: (name) => new WireEngine(embedded.transport, name),
      close: embedded.close,
    };
  },
};

/** dynalite, in memory, through the AWS SDK over HTTP. */
export const dynaliteOverHttp: StoreEngineUnderTest = {
  name: 'dynalite over HTTP',
  start: async () => undefined,
  stop: async () => undefined,
  async open() {
    const embedded = await startEmbeddedStore({ inMemory: true, tableName: nextName() });
    const client = embedded.client;
    return {
      store: dynamoHistoryStore({ client, tableName: embedded.tableName }),
      client,
      tableName: embedded.tableName,
      engineOn: (name) => sdkEngine(client, name),
      close: embedded.close,
    };
  },
};

/** AWS's DynamoDB Local, in memory, through the AWS SDK. */
export function dynamoDbLocal(): StoreEngineUnderTest {
  let server: DynamoDbLocal | undefined;
  let client: DynamoDBClient | undefined;
  return {
    name: 'DynamoDB Local',
    async start() {
      server = await startDynamoDbLocal();
      client = localDynamoClient(server.endpoint);
    },
    async stop() {
      client?.destroy();
      await server?.close();
      server = undefined;
    },
    async open() {
      if (!client) throw new Error('DynamoDB Local is not started (call start() in beforeAll)');
      const name = nextName();
      await ensureTable(sdkTransport(client), name);
      const on = client;
      return {
        store: dynamoHistoryStore({ client, tableName: name }),
        client,
        tableName: name,
        engineOn: (other) => sdkEngine(on, other),
        close: async () => {},
      };
    },
  };
}

/** Every engine, for `describe.each`: a new DynamoDB Local per call (one per suite). */
export function storeEngines(): StoreEngineUnderTest[] {
  return [dynaliteInProcess, dynaliteOverHttp, dynamoDbLocal()];
}
