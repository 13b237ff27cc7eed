/**
 * Settles a cycle's (or a fanned-out run's) notices about leaves against every target that has the leaf
 * (core/detect/settle.ts; docs/rollouts.md, "Shared leaves"): the targets this caller holds, as it leaves
 * them, and the others from the store — found through the fingerprint index and read consistently. Only
 * cycles with such a notice read anything.
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
    for (const [target, h] of held) {
      const view = leafAtTarget(sha, target, h.host, h.certs);
      if (view) views.push(view);
    }
    const indexed = (await store.findByFingerprint(sha)).map((r) => r.target);
    const others = [...new Set([...indexed, ...(input.alsoRead?.get(sha) ?? [])])].filter((t) => !held.has(t));
    for (const target of others.sort()) {
      const history = await store.loadTarget(target);
      const view = leafAtTarget(sha, target, hostOf(target), history.certs);
      if (view) views.push(view);
    }
    leaves.set(sha, views);
  }
  return settleLeafEvents({ notices: input.notices, leaves, now: input.now, config: input.config });
}

function hostOf(target: string): string {
  try {
    return parseTarget(target).host;
  } catch {
    return target;
  }
}
