/**
 * Fanned-out runs on the table: each shard's BASELINE facts (one item per target, dropped by TTL a week
 * later) until the merge step raises the run's one BASELINE, its notices about leaves until the merge step
 * settles them across shards, and the probe rate the planner sizes shards by.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { BaselineTargetFacts, Notice } from '../core/notice';
import type { RunStore } from '../core/ports';
import type { TableEngine } from './engine';

const RUN_RETENTION_SECONDS = 7 * 86_400;

/** {@link RunStore} on a table engine. */
export function runStoreOn(engine: TableEngine): RunStore {
  return {
    async saveRunBaselines(runId, facts, now) {
      const expiresAt = Math.floor(now.getTime() / 1000) + RUN_RETENTION_SECONDS;
      // One item per target, overwritten by a retried shard: a batch of plain puts (one per key, as a
      // batch refuses a key twice).
      const latest = new Map(facts.map((fact) => [fact.target, fact]));
      await engine.batchWrite({
        put: [...latest.values()].map((fact) => ({
          pk: keys.run(runId),
          sk: keys.runBaseline(fact.target),
          kind: 'RUN_BASELINE',
          facts: fact,
          [TABLE_SCHEMA.ttlAttribute]: expiresAt,
        })),
      });
    },

    async loadRunBaselines(runId) {
      const items = await engine.query({ partition: keys.run(runId), sortKeyPrefix: 'BASELINE#', consistent: true });
      return items.map((i) => i.facts as BaselineTargetFacts);
    },

    async saveRunNotices(runId, notices, now) {
      if (notices.length === 0) return;
      const expiresAt = Math.floor(now.getTime() / 1000) + RUN_RETENTION_SECONDS;
      const latest = new Map(notices.map((notice) => [notice.dedupeKey, notice]));
      await engine.batchWrite({
        put: [...latest.values()].map((notice) => ({
          pk: keys.run(runId),
          sk: keys.runNotice(notice.dedupeKey),
          kind: 'RUN_NOTICE',
          notice,
          [TABLE_SCHEMA.ttlAttribute]: expiresAt,
        })),
      });
    },

    async loadRunNotices(runId) {
      const items = await engine.query({ partition: keys.run(runId), sortKeyPrefix: 'NOTICE#', consistent: true });
      return items.map((i) => i.notice as Notice);
    },

    async saveProbeRate(rate) {
      await engine.put({ pk: keys.runs, sk: keys.probeRate, kind: 'RATE', ...rate });
    },

    async loadProbeRate() {
      const item = await engine.get({ pk: keys.runs, sk: keys.probeRate });
      if (!item) return null;
      return { entries: Number(item.entries), seconds: Number(item.seconds), at: String(item.at) };
    },
  };
}
