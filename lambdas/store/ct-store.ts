/**
 * Certificate Transparency items on the table (docs/ct.md "Table items"): a `CT#LOGS` partition with one
 * `LOG#<log_id>` item per followed log and the cached list (`LIST`), and a `CT#ISSUED` partition with one
 * `CERT#<link key>` item per certificate logged for a watched host. Log and certificate items are written
 * over the revision read; an issued certificate never served is dropped by TTL a month after it expires.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { CtStore } from '../core/ct/ct-store';
import type { IssuedCert } from '../core/ct/issued';
import type { CtLogState } from '../core/ct/log-state';
import { putOverRevision } from './conditional-writes';
import type { Item, TableEngine } from './engine';

const UNSERVED_RETENTION_SECONDS = 30 * 86_400;

function strip(item: Item): Item {
  const { pk: _pk, sk: _sk, kind: _kind, [TABLE_SCHEMA.ttlAttribute]: _ttl, ...rest } = item;
  return rest;
}

/** {@link CtStore} on a table engine. */
export function ctStoreOn(engine: TableEngine): CtStore {
  return {
    async loadCtLogStates() {
      const items = await engine.query({ partition: keys.ctLogs, sortKeyPrefix: 'LOG#', consistent: true });
      return items.map((i) => strip(i) as unknown as CtLogState);
    },

    saveCtLogState(state: CtLogState) {
      const item: Item = { pk: keys.ctLogs, sk: keys.ctLog(state.logId), kind: 'CT_LOG', ...state, rev: state.rev + 1 };
      return putOverRevision(engine, item, state.rev);
    },

    async loadIssued() {
      const items = await engine.query({ partition: keys.ctIssued, sortKeyPrefix: 'CERT#', consistent: true });
      return items.map((i) => strip(i) as unknown as IssuedCert);
    },

    saveIssued(record: IssuedCert) {
      const item: Item = {
        pk: keys.ctIssued,
        sk: keys.ctIssuedCert(record.linkKey),
        kind: 'CT_ISSUED',
        ...record,
        rev: record.rev + 1,
      };
      if (record.servedAt === null) {
        item[TABLE_SCHEMA.ttlAttribute] = Math.floor(Date.parse(record.notAfter) / 1000) + UNSERVED_RETENTION_SECONDS;
      }
      return putOverRevision(engine, item, record.rev);
    },

    async loadCtListCache() {
      const item = await engine.get({ pk: keys.ctLogs, sk: keys.ctList }, { consistent: true });
      if (!item) return null;
      return {
        url: String(item.url),
        json: String(item.json),
        signature: typeof item.signature === 'string' ? item.signature : null,
        fetchedAt: String(item.fetchedAt),
      };
    },

    async saveCtListCache(cache) {
      await engine.put({ pk: keys.ctLogs, sk: keys.ctList, kind: 'CT_LIST', ...cache });
    },
  };
}
