/**
 * A target's history on the table: its `CERT#` items (revisioned), its `STATE` item (versioned), its
 * `POSTURE` item, and the `byFingerprint` index over certificates.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { TargetHistory } from '../core/history';
import type { SaveOutcome, TargetStore } from '../core/ports';
import { BadItems } from './bad-items';
import { putOverRevision, updateOverVersion } from './conditional-writes';
import { type Item, scanAll, type TableEngine, when } from './engine';
import { certFromItem, certItem, stateAttributes, stateFromItem } from './items';

const TARGET_PREFIX = 'TARGET#';

/** {@link TargetStore} on a table engine. */
export function targetStoreOn(engine: TableEngine, badItems = new BadItems()): TargetStore {
  return {
    async loadTarget(target) {
      return toHistory(await engine.query({ partition: keys.target(target), consistent: true }));
    },

    async saveTarget(changes): Promise<SaveOutcome> {
      const { state } = changes;
      // Certificates first, then the state: a state never points at a certificate that was not written.
      const certs = await Promise.allSettled(
        changes.changedCerts.map((record) => putOverRevision(engine, certItem(record, record.rev + 1), record.rev)),
      );
      const failed = certs.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (certs.some((r) => r.status === 'fulfilled' && !r.value)) {
        return conflict(`a certificate of ${state.target} was written by another cycle`);
      }
      const stateKey = { pk: keys.target(state.target), sk: keys.state };
      if (!(await updateOverVersion(engine, stateKey, stateAttributes(state), state.version))) {
        return conflict(`the state of ${state.target} was written by another cycle`);
      }
      return { ok: true, writes: changes.changedCerts.length + 1 };
    },

    async loadPostures(target) {
      const item = await engine.get({ pk: keys.target(target), sk: keys.posture }, { consistent: true });
      return (item?.postures as Awaited<ReturnType<TargetStore['loadPostures']>> | undefined) ?? {};
    },

    async savePostures(target, postures, now) {
      await engine.put({ pk: keys.target(target), sk: keys.posture, postures, updatedAt: now.toISOString() });
    },

    async listHistories() {
      const items = await scanAll(engine, { filter: when.beginsWith(TABLE_SCHEMA.partitionKey, TARGET_PREFIX) });
      const byTarget = new Map<string, Item[]>();
      for (const item of items) {
        const pk = String(item.pk);
        byTarget.set(pk, [...(byTarget.get(pk) ?? []), item]);
      }
      // A target with a bad item is left out whole: half a history would read as certificates gone.
      const histories = badItems.decodeEach([...byTarget.entries()], ([pk, group]) => {
        return [pk.slice(TARGET_PREFIX.length), toHistory(group)] as const;
      });
      return new Map(histories.sort(([a], [b]) => a.localeCompare(b)));
    },

    async findByFingerprint(sha256) {
      const index = TABLE_SCHEMA.fingerprintIndex;
      const items = await engine.query({ index: index.name, partition: keys.fingerprint(sha256.toLowerCase()) });
      return badItems.decodeEach(items, certFromItem);
    },

    async fingerprintsStartingWith(prefix) {
      const index = TABLE_SCHEMA.fingerprintIndex;
      const items = await scanAll(engine, {
        index: index.name,
        filter: when.beginsWith(index.partitionKey, keys.fingerprint(prefix.toLowerCase())),
        attributes: ['sha256'],
      });
      return [...new Set(items.map((item) => String(item.sha256)))].sort();
    },
  };
}

function conflict(message: string): SaveOutcome {
  return { ok: false, reason: 'conflict', message };
}

function toHistory(items: readonly Item[]): TargetHistory {
  const stateItem = items.find((i) => i.sk === keys.state);
  const certs = items.filter((i) => String(i.sk).startsWith('CERT#')).map(certFromItem);
  // The state's compact evidence names leaves by a prefix of their fingerprint (docs/history-table.md).
  return {
    state: stateItem
      ? stateFromItem(
          stateItem,
          certs.map((c) => c.sha256),
        )
      : null,
    certs,
  };
}
