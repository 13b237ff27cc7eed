/**
 * The certificate records detection reads in a cycle that serves nothing it does not already know: every
 * active record, and of the retired ones those a rule may still compare with or act on. A target's full
 * history grows with every rotation and is never dropped; the store keeps a copy of these records beside
 * the target's STATE (docs/history-table.md "The live view") so that such a cycle reads them with the STATE
 * instead of the whole partition. Detection on these records alone decides as on the whole history
 * (test/unit/detect-fixtures.ts checks it on every detection test's cycles); a cycle that serves a
 * certificate not among them (a new one, or a retired one back) reads the whole history.
 */
import type { CertRecord, HistorySummary, TargetState } from '../history';
import { KEY_TYPES } from '../observation';
import { observedCadence } from './expiry';
import { openMismatch, pinUnusedPending } from './policy';

/** The rank that decides which of a key type's leaves is the newest (`isNewest`, a successor's notBefore). */
function rank(record: CertRecord): string {
  return `${record.notBefore} ${record.firstSeen}`;
}

/**
 * The records detection may read when every certificate served is among them, given the state they go
 * with: active ones; those the state refers to (the last cycle's slots, the serving mix, missing chain
 * certificates); per key type the newest leaf, retired or not (a successor and "newest" compare with it);
 * retired leaves a consumer-policy rule still has business with (an open mismatch, a PIN_UNUSED not yet
 * decided). Sorted by fingerprint.
 */
export function liveRecords(state: TargetState | null, records: readonly CertRecord[]): CertRecord[] {
  const referenced = new Set<string>([
    ...(state?.slots ?? []).flatMap((s) => (s.sha256 ? [s.sha256] : [])),
    ...(state?.evidence ?? []).flatMap((e) => e.leaves.map((l) => l.sha256)),
    ...Object.keys(state?.missing ?? {}),
  ]);
  const newest = new Map<string, string>();
  for (const r of records) {
    if (r.role !== 'leaf') continue;
    const best = newest.get(r.keyType);
    if (best === undefined || rank(r) > best) newest.set(r.keyType, rank(r));
  }
  return records
    .filter(
      (r) =>
        r.status === 'active' ||
        referenced.has(r.sha256) ||
        (r.role === 'leaf' && (rank(r) === newest.get(r.keyType) || openMismatch(r) || pinUnusedPending(r))),
    )
    .sort((a, b) => a.sha256.localeCompare(b.sha256));
}

/**
 * What detection derives from the records the view leaves out, over a target's whole history: per key
 * type the observed cadence (ROTATION_OVERDUE's tightening, detect/expiry.ts). Stored with the view; a
 * cycle that reads through the view detects with it.
 */
export function historySummary(records: readonly CertRecord[]): HistorySummary {
  const cadence: HistorySummary['cadence'] = {};
  for (const keyType of KEY_TYPES) {
    const observed = observedCadence(records, keyType);
    if (observed) cadence[keyType] = observed;
  }
  return { cadence };
}
