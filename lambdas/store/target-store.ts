/**
 * A target's history on the table: its `CERT#` items (revisioned), its `STATE` item (versioned), its live
 * view (`STATE#LIVE`, revisioned), its `POSTURE` item, and the `byFingerprint` index over certificates.
 *
 * Reads sized to what detection needs (docs/history-table.md "The live view"): a cycle that serves only
 * certificates the view holds reads the STATE and the view in one query (`begins_with(sk, "STATE")`, a
 * few kilobytes however long the history), any other read is the whole partition. Writes keep the view in
 * step, and safe to cut anywhere: the view first (its next revision), then the certificates, then the STATE
 * naming that revision (`liveRev`). A STATE whose `liveRev` is not the view's — a write cut short, an item
 * of an earlier release — is read the long way, and its next save writes the view again.
 */
import { isDeepStrictEqual } from 'node:util';
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import { historySummary, liveRecords } from '../core/detect/live-records';
import type { CertRecord, HistorySummary, TargetHistory, TargetState } from '../core/history';
import type { SaveOutcome, TargetStore } from '../core/ports';
import { BadItems } from './bad-items';
import { putOverRevision, updateOverVersion } from './conditional-writes';
import { type Item, scanAll, type TableEngine, when } from './engine';
import { certFromItem, certItem, stateAttributes, stateFromItem } from './items';
import { liveViewItem, liveViewRecords, liveViewSummary } from './live-view-items';

const TARGET_PREFIX = 'TARGET#';

/** {@link TargetStore} on a table engine. */
export function targetStoreOn(engine: TableEngine, badItems = new BadItems()): TargetStore {
  return {
    async loadTarget(target, options) {
      const partition = keys.target(target);
      if (options?.live) {
        const items = await engine.query({ partition, sortKeyPrefix: keys.state, consistent: true });
        const viewed = fromView(items);
        if (viewed) return viewed;
      }
      return toHistory(await engine.query({ partition, consistent: true }));
    },

    async saveTarget(changes): Promise<SaveOutcome> {
      const { state, loaded } = changes;
      // The view first: a view ahead of the STATE's liveRev is never used, one behind it never happens.
      let liveRev: number | undefined;
      // Rewritten when a record changed, when it does not go with what was read, or when a cycle read
      // through it leaves it larger than it need be (a retired leaf nothing refers to any more).
      const shrinks = loaded?.view?.from === 'view' && liveRecords(state, loaded.certs).length < loaded.certs.length;
      if (loaded?.view && (changes.changedCerts.length > 0 || !loaded.view.current || shrinks)) {
        const next = loaded.view.rev + 1;
        const after = recordsAfter(loaded.certs, changes.changedCerts);
        // Read through the view, no leaf was added (a new one is read the whole way): the summary holds.
        const summary = loaded.view.from === 'view' && loaded.summary ? loaded.summary : historySummary(after);
        const view = liveViewItem(state.target, liveRecords(state, after), summary, next);
        if (!(await putOverRevision(engine, view, loaded.view.rev))) {
          return conflict(`the live view of ${state.target} was written by another cycle`);
        }
        liveRev = next;
      }
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
      const attributes = { ...stateAttributes(state), ...(liveRev === undefined ? {} : { liveRev }) };
      if (!(await updateOverVersion(engine, stateKey, attributes, state.version))) {
        return conflict(`the state of ${state.target} was written by another cycle`);
      }
      return { ok: true, writes: changes.changedCerts.length + 1 + (liveRev === undefined ? 0 : 1) };
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

/** The whole history of a partition's items, with whether its live view matches it. */
function toHistory(items: readonly Item[]): TargetHistory {
  const stateItem = items.find((i) => i.sk === keys.state);
  const certs = items.filter((i) => String(i.sk).startsWith('CERT#')).map(certFromItem);
  // The state's compact evidence names leaves by a prefix of their fingerprint (docs/history-table.md).
  const state = stateItem
    ? stateFromItem(
        stateItem,
        certs.map((c) => c.sha256),
      )
    : null;
  const viewItem = items.find((i) => i.sk === keys.liveView);
  const rev = Number(viewItem?.rev ?? 0);
  return {
    state,
    certs,
    view: { rev, current: viewItem !== undefined && viewMatches(stateItem, viewItem, state, certs), from: 'full' },
  };
}

/**
 * Whether a stored view is the one the stored STATE was written with and holds exactly the records the
 * full history says it should, at their stored revisions (a copy that cannot be read does not match).
 */
function viewMatches(stateItem: Item | undefined, viewItem: Item, state: TargetState | null, certs: CertRecord[]) {
  if (stateItem === undefined || Number(stateItem.liveRev) !== Number(viewItem.rev)) return false;
  let copies: CertRecord[];
  let summary: HistorySummary;
  try {
    copies = liveViewRecords(viewItem);
    summary = liveViewSummary(viewItem);
  } catch {
    return false;
  }
  const expected = liveRecords(state, certs);
  return (
    copies.length === expected.length &&
    expected.every((r, i) => copies[i].sha256 === r.sha256 && copies[i].rev === r.rev) &&
    isDeepStrictEqual(summary, historySummary(certs))
  );
}

/**
 * The history read through the view (the STATE and `STATE#LIVE` items of the partition), or null when it
 * cannot stand for the whole: no view or no STATE, a view the STATE was not written with, a state of an
 * earlier release (its upgrade reads everything), or a copy that does not read. (A certificate served
 * that the view does not hold — new, or retired and back — is for the caller to see.)
 */
function fromView(items: readonly Item[]): TargetHistory | null {
  const stateItem = items.find((i) => i.sk === keys.state);
  const viewItem = items.find((i) => i.sk === keys.liveView);
  if (!stateItem || !viewItem || stateItem.liveRev === undefined) return null;
  if (Number(stateItem.liveRev) !== Number(viewItem.rev)) return null;
  let certs: CertRecord[];
  let summary: HistorySummary;
  try {
    certs = liveViewRecords(viewItem);
    summary = liveViewSummary(viewItem);
  } catch {
    return null;
  }
  const state = stateFromItem(
    stateItem,
    certs.map((c) => c.sha256),
  );
  if (state.legacyEvidence !== undefined || state.legacyMissing !== undefined) return null;
  return { state, certs, summary, view: { rev: Number(viewItem.rev), current: true, from: 'view' } };
}

/** The records after a save: those read, with the changed ones at their next revision. */
function recordsAfter(read: readonly CertRecord[], changed: readonly CertRecord[]): CertRecord[] {
  const records = new Map(read.map((r) => [r.sha256, r]));
  for (const r of changed) records.set(r.sha256, { ...r, rev: r.rev + 1 });
  return [...records.values()];
}
