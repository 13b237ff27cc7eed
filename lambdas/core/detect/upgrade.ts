/**
 * Upgrade in place, without a notice caused by the upgrade itself. Two earlier releases are read:
 * - before the evidence model (per-cycle slots and "missing" counters): becomes one-leaf-per-address
 *   evidence first;
 * - one leaf per address (`evidence` slots and the leaves' `lastMark`): becomes the serving mix.
 * Where the old state is ambiguous the choice is the one that raises nothing early: an address known to
 * have served two active leaves is taken to serve the older, and a leaf carried over has no share yet
 * (only duration releases it until it is seen again), so nothing retires sooner than it would have.
 */
import type { AddressEvidence, CertRecord, KeyTypeEvidence, LegacyEvidenceSlot, TargetState } from '../history';
import type { KeyType } from '../observation';
import { round2 } from './bounds';
import { slotKey } from './evidence';

const HOUR_MS = 3_600_000;

/**
 * The history in the serving-mix model; a history already in it is returned as is.
 */
export function upgradeHistory(history: { state: TargetState; certs: readonly CertRecord[] }): {
  state: TargetState;
  certs: readonly CertRecord[];
} {
  let { state, certs } = history;
  const missing = state.legacyMissing;
  if (missing !== undefined) {
    const cycles = state.cycles;
    certs = certs.map((c) =>
      c.role === 'leaf' && c.status === 'active' && c.lastMark === undefined
        ? { ...c, lastMark: Math.max(0, cycles - (missing[c.sha256] ?? 0)) }
        : c,
    );
    state = upgradeV1(state, certs);
  }
  if (state.legacyEvidence === undefined) return { state, certs };
  return { state: upgradeV2(state, certs), certs };
}

/**
 * One leaf per address → the serving mix. Each slot becomes an address with its one leaf; an active leaf no
 * slot shows any more (its addresses moved on, its retirement waiting) joins the mix of the addresses that
 * served it with the cycles since as misses. The key type's watched clock starts at 0 at the upgrade, and
 * earlier times sit before it by their wall hours.
 */
function upgradeV2(state: TargetState, certs: readonly CertRecord[]): TargetState {
  const slots = state.legacyEvidence ?? [];
  const keyTypes: Partial<Record<KeyType, KeyTypeEvidence>> = {};
  for (const [keyType, kt] of Object.entries(state.keyTypes) as Array<[KeyType, KeyTypeEvidence]>) {
    keyTypes[keyType] = { ...kt, clock: kt.clock ?? 0 };
  }
  const hoursBefore = (keyType: KeyType, at: string) => {
    const kt = keyTypes[keyType];
    if (!kt) return 0;
    return round2((kt.clock ?? 0) - Math.max(0, (Date.parse(kt.lastAt) - Date.parse(at)) / HOUR_MS));
  };
  const evidence = new Map<string, AddressEvidence>();
  for (const slot of slots) {
    const h = hoursBefore(slot.keyType, slot.at);
    evidence.set(slotKey(slot.address, slot.keyType), {
      address: slot.address,
      keyType: slot.keyType,
      at: slot.at,
      c: slot.mark,
      h,
      gap: slot.gapHours ?? 0,
      n: 1,
      f: 1,
      s: 1,
      leaves: [{ sha256: slot.sha256, at: slot.at, h, n: 1, f: 1, s: 1, m: 0, q: 0, g: 0, r: 1, k: 1 }],
    });
  }
  for (const leaf of certs) {
    if (leaf.role !== 'leaf' || leaf.status !== 'active' || leaf.lastMark === undefined) continue;
    const kt = keyTypes[leaf.keyType];
    if (!kt) continue;
    for (const address of leaf.addresses) {
      const entry = evidence.get(slotKey(address, leaf.keyType));
      if (!entry || entry.leaves.some((l) => l.sha256 === leaf.sha256)) continue;
      const h = hoursBefore(leaf.keyType, leaf.lastSeen);
      const m = Math.max(0, kt.cycles - leaf.lastMark);
      entry.leaves.push({ sha256: leaf.sha256, at: leaf.lastSeen, h, n: 1, f: 1, s: 1, m, q: 0, g: 0, r: 1, k: 1 });
    }
  }
  const { legacyEvidence: _dropped, ...rest } = state;
  return {
    ...rest,
    evidence: [...evidence.values()].sort(
      (a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType),
    ),
    keyTypes,
  };
}

/** Before the evidence model → one leaf per address (the evidence slots of the next release). */
function upgradeV1(state: TargetState, certs: readonly CertRecord[]): TargetState {
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

  const evidence = new Map<string, LegacyEvidenceSlot>();
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
    evidence: [],
    legacyEvidence: [...evidence.values()].sort(
      (a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType),
    ),
    keyTypes,
    raised: [],
  };
}
