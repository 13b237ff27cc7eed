/**
 * Settles a cycle's (or a fanned-out run's) notices about leaves against every target that has the leaf
 * (core/detect/settle.ts; docs/rollouts.md, "Shared leaves"): the targets this caller holds, as it leaves
 * them, and the others from the store — found through the fingerprint index and read consistently. Only
 * cycles with such a notice read anything. A target held as read through its live view holds its live
 * records only (docs/history-table.md "The live view"): a leaf it does not hold may still be in its history,
 * retired, so the index decides and the store is read for it too, this cycle's records laid over it.
 */
import { type LeafAtTarget, leafAtTarget, settledLeaf, settleLeafEvents } from '../core/detect/settle';
import type { CertRecord } from '../core/history';
import type { Notice } from '../core/notice';
import type { HistoryStore } from '../core/ports';
import { parseTarget } from '../core/targets';
import type { WatchConfig } from '../core/watch-config';

/** A target this caller holds: its host and its records as this cycle leaves them. */
export interface HeldTarget {
  host: string;
  certs: readonly CertRecord[];
  /** False when `certs` are the live view's records, not the whole history (default true). */
  complete?: boolean;
}

/** Settles `notices`; `alsoRead` names further targets per leaf to read besides the fingerprint index. */
export async function settleWithStore(input: {
  store: HistoryStore;
  notices: readonly Notice[];
  now: Date;
  config: WatchConfig;
  held?: ReadonlyMap<string, HeldTarget>;
  alsoRead?: ReadonlyMap<string, readonly string[]>;
}): Promise<Notice[]> {
  const { store, held = new Map() } = input;
  const leaves = new Map<string, LeafAtTarget[]>();
  for (const sha of new Set(input.notices.map(settledLeaf).filter((s): s is string => s !== null))) {
    const views: LeafAtTarget[] = [];
    const partial = new Set<string>();
    for (const [target, h] of held) {
      const view = leafAtTarget(sha, target, h.host, h.certs);
      if (view) views.push(view);
      else if (h.complete === false) partial.add(target);
    }
    const indexed = (await store.findByFingerprint(sha)).map((r) => r.target);
    const others = [...new Set([...indexed, ...(input.alsoRead?.get(sha) ?? [])])].filter(
      (t) => !held.has(t) || partial.has(t),
    );
    for (const target of others.sort()) {
      const history = await store.loadTarget(target);
      const mine = held.get(target);
      const certs = mine ? overlay(history.certs, mine.certs) : history.certs;
      const view = leafAtTarget(sha, target, mine?.host ?? hostOf(target), certs);
      if (view) views.push(view);
    }
    leaves.set(sha, views);
  }
  return settleLeafEvents({ notices: input.notices, leaves, now: input.now, config: input.config });
}

/** A stored history with this cycle's records of the same target laid over it. */
function overlay(stored: readonly CertRecord[], held: readonly CertRecord[]): CertRecord[] {
  const records = new Map(stored.map((r) => [r.sha256, r]));
  for (const r of held) records.set(r.sha256, r);
  return [...records.values()];
}

function hostOf(target: string): string {
  try {
    return parseTarget(target).host;
  } catch {
    return target;
  }
}
