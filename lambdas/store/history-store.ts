/**
 * The history store: the logic of each item kind (lambdas/store/*-store.ts), written once over a table
 * engine, put together. Any engine serves, e.g. the AWS SDK's client on DynamoDB, DynamoDB Local or dynalite
 * (docs/architecture.md "Store engines").
 */
import type { HistoryStore } from '../core/ports';
import { ctStoreOn } from './ct-store';
import type { TableEngine } from './engine';
import { outboxStoreOn } from './outbox-store';
import { runStoreOn } from './run-store';
import { targetStoreOn } from './target-store';
import { watchListStoreOn } from './watch-list-store';

/** A history store and the engine under it. */
export interface TableHistoryStore extends HistoryStore {
  readonly engine: TableEngine;
  readonly tableName: string;
}

/** The history store on `engine`. */
export function historyStoreOn(engine: TableEngine): TableHistoryStore {
  return {
    engine,
    tableName: engine.tableName,
    ...targetStoreOn(engine),
    ...outboxStoreOn(engine),
    ...watchListStoreOn(engine),
    ...runStoreOn(engine),
    ...ctStoreOn(engine),
  };
}
