/**
 * Upgrade in place: a state written by the release before the evidence model (per-cycle slots and
 * "missing" counters) becomes evidence on its next cycle, without a notice caused by the upgrade itself.
 * Where the old state is ambiguous the choice is the one that raises nothing early: an address known to
 * have served two active leaves is taken to serve the older, so nothing retires before the address is seen.
 */
import type { CertRecord, EvidenceSlot, KeyTypeEvidence, TargetState } from '../history';
import type { KeyType } from '../observation';
import { slotKey } from './evidence';

/**
 * The history in the evidence model (state and the leaves' last-observed marks); a history already in it is
 * returned as is.
 */
export function upgradeHistory(history: { state: TargetState; certs: readonly CertRecord[] }): {
  state: TargetState;
  certs: readonly CertRecord[];
} {
  const missing = history.state.legacyMissing;
  if (missing === undefined) return history;
  const cycles = history.state.cycles;
  const certs = history.certs.map((c) =>
    c.role === 'leaf' && c.status === 'active' && c.lastMark === undefined
      ? { ...c, lastMark: Math.max(0, cycles - (missing[c.sha256] ?? 0)) }
      : c,
  );
  return { state: upgradeState(history.state, certs), certs };
}

function upgradeState(state: TargetState, certs: readonly CertRecord[]): TargetState {
  const missing = state.legacyMissing ?? {};
  const cycles = state.cycles;
  const lastCycleAt = state.lastCycleAt;
  const leaves = certs.filter((c) => c.role === 'leaf');
  const keyTypes: Partial<Record<KeyType, KeyTypeEvidence>> = {};
  for (const leaf of leaves) {
    const known = keyTypes[leaf.keyType];
    const lastAt = lastCycleAt ?? leaf.lastSeen;
    if (!known) keyTypes[leaf.keyType] = { cycles, lastAt, baselineAt: leaf.firstSeen };
    else if (leaf.firstSeen < known.baselineAt) known.baselineAt = leaf.firstSeen;
  }

  const evidence = new Map<string, EvidenceSlot>();
  for (const slot of state.slots) {
    if (!slot.sha256 || !lastCycleAt) continue;
    evidence.set(slotKey(slot.address, slot.keyType), {
      address: slot.address,
      keyType: slot.keyType,
      sha256: slot.sha256,
      at: lastCycleAt,
      mark: cycles,
    });
  }
  const oldestFirst = leaves
    .filter((c) => c.status === 'active')
    .sort((a, b) => a.notBefore.localeCompare(b.notBefore) || a.firstSeen.localeCompare(b.firstSeen));
  for (const leaf of oldestFirst) {
    const missed = missing[leaf.sha256] ?? 0;
    const at = missed > 0 || !lastCycleAt ? leaf.lastSeen : lastCycleAt;
    for (const address of leaf.addresses) {
      const key = slotKey(address, leaf.keyType);
      if (evidence.has(key)) continue;
      evidence.set(key, {
        address,
        keyType: leaf.keyType,
        sha256: leaf.sha256,
        at,
        mark: Math.max(0, cycles - missed),
      });
    }
  }
  const { legacyMissing: _dropped, ...rest } = state;
  const chains = new Set(certs.filter((c) => c.role === 'chain').map((c) => c.sha256));
  return {
    ...rest,
    missing: Object.fromEntries(Object.entries(missing).filter(([sha]) => chains.has(sha))),
    evidence: [...evidence.values()].sort(
      (a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType),
    ),
    keyTypes,
    raised: [],
  };
}
