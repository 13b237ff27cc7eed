/**
 * The history store on a DynamoDB client: DynamoDB itself (the Lambda, `--table`), DynamoDB Local, or a
 * local engine's endpoint (a shard worker reaching its parent's embedded store).
 */
import { historyStoreOn, type TableHistoryStore } from './history-store';
import { type DynamoClientSource, sdkEngine } from './sdk-transport';

export type { TableHistoryStore } from './history-store';

/** Options of {@link dynamoHistoryStore}. */
export interface DynamoHistoryStoreOptions {
  /** A client, or how to make one on the first request (the SDK then loads only then). */
  client: DynamoClientSource;
  tableName: string;
}

/** The history store on table `tableName` through `client`. */
export function dynamoHistoryStore(options: DynamoHistoryStoreOptions): TableHistoryStore {
  return historyStoreOn(sdkEngine(options.client, options.tableName));
}
