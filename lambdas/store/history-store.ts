/**
 * The history store: the logic of each item kind (lambdas/store/*-store.ts), written once over a table
 * engine, put together. Any engine serves: the AWS SDK's client (DynamoDB, DynamoDB Local, dynalite over
 * HTTP) or dynalite in-process (docs/architecture.md "Store engines").
 */
import type { HistoryStore } from '../core/ports';
import { BadItems } from './bad-items';
import { ctStoreOn } from './ct-store';
import type { TableEngine } from './engine';
import { outboxStoreOn } from './outbox-store';
import { revocationStoreOn } from './revocation-store';
import { runStoreOn } from './run-store';
import { targetStoreOn } from './target-store';
import { watchListStoreOn } from './watch-list-store';

/** A history store and the engine under it. */
export interface TableHistoryStore extends HistoryStore {
  readonly engine: TableEngine;
  readonly tableName: string;
  /** Items the listing readers left out because they could not be used (see bad-items.ts). */
  readonly badItems: BadItems;
}

/** The history store on `engine`. */
export function historyStoreOn(engine: TableEngine, badItems = new BadItems()): TableHistoryStore {
  return {
    engine,
    tableName: engine.tableName,
    badItems,
    ...targetStoreOn(engine, badItems),
    ...outboxStoreOn(engine, badItems),
    ...watchListStoreOn(engine, badItems),
    ...runStoreOn(engine),
    ...ctStoreOn(engine),
    ...revocationStoreOn(engine, badItems),
  };
}
