/**
 * Sampling: how many handshakes each address gets this cycle (docs/rollouts.md, "Sampling"). One address
 * may be a pool of frontends, and one handshake sees one of them; while a rollout is under way (a target ×
 * key type has an active leaf besides its newest) the addresses whose recent mix holds such a leaf, and
 * addresses not seen before, get `rolloutSamples` handshakes, so a leaf still served on a few frontends
 * keeps being seen. Evidence is counted per cycle (several handshakes from one source address may reach one
 * frontend: source affinity), so more handshakes only make a cycle's look sharper, never more looks; and
 * the count at an address does not drop while a leaf it holds is under test (a lower count would make the
 * per-cycle share measured before optimistic). The plan is plain data: it travels to shard workers.
 */
import type { CertRecord, TargetHistory } from '../history';
import type { KeyType } from '../observation';
import type { WatchConfig } from '../watch-config';

/** Handshakes per address for one target × key type: `default` for addresses not listed. */
export interface KeyTypeSamples {
  default: number;
  addresses: Record<string, number>;
}

/** A target's sampling plan: absent key types (and absent plans) get one handshake per address. */
export type SamplePlan = Partial<Record<KeyType, KeyTypeSamples>>;

/**
 * The sampling plan of one target from its history (empty when no rollout is under way). A rollout is read
 * from the state's evidence (two active leaves of a key type in the mix), not from the certificate items
 * alone: a cycle that wrote a new leaf's item and failed before its state is redone with the same plan.
 */
export function samplingPlan(history: TargetHistory, config: WatchConfig): SamplePlan {
  const max = Math.max(1, Math.floor(config.rolloutSamples));
  const plan: SamplePlan = {};
  const state = history.state;
  if (max <= 1 || !state) return plan;
  const active = new Map(
    history.certs.filter((c) => c.role === 'leaf' && c.status === 'active').map((c) => [c.sha256, c]),
  );
  for (const keyType of new Set(state.evidence.map((e) => e.keyType))) {
    const entries = state.evidence.filter((e) => e.keyType === keyType);
    const mixed = new Map<string, CertRecord>();
    for (const entry of entries) {
      for (const leaf of entry.leaves) {
        const record = active.get(leaf.sha256);
        if (record) mixed.set(record.sha256, record);
      }
    }
    if (mixed.size < 2) continue;
    const older = new Set(olderThanNewest([...mixed.values()]).map((c) => c.sha256));
    const addresses: Record<string, number> = {};
    for (const entry of entries) addresses[entry.address] = entry.leaves.some((l) => older.has(l.sha256)) ? max : 1;
    plan[keyType] = { default: max, addresses };
  }
  return plan;
}

/** The active leaves except the newest (latest notBefore, then latest first sighting). */
function olderThanNewest(leaves: readonly CertRecord[]): CertRecord[] {
  const sorted = [...leaves].sort(
    (a, b) => b.notBefore.localeCompare(a.notBefore) || b.firstSeen.localeCompare(a.firstSeen),
  );
  return sorted.slice(1);
}

/** Handshakes planned for one address × key type. */
export function samplesFor(plan: SamplePlan | undefined, keyType: KeyType, address: string): number {
  const entry = plan?.[keyType];
  if (!entry) return 1;
  return entry.addresses[address] ?? entry.default;
}

/** The most handshakes the plan asks of any address (1 for no plan): a target's worst case per address. */
export function mostSamples(plan: SamplePlan | undefined): number {
  let most = 1;
  for (const entry of Object.values(plan ?? {})) {
    if (!entry) continue;
    most = Math.max(most, entry.default, ...Object.values(entry.addresses));
  }
  return most;
}

/** Handshakes the plan adds this cycle beyond one per address, for the given addresses per key type. */
export function extraHandshakes(plan: SamplePlan, addresses: Partial<Record<KeyType, readonly string[]>>): number {
  let extra = 0;
  for (const [keyType, list] of Object.entries(addresses) as Array<[KeyType, readonly string[]]>) {
    for (const address of list) extra += samplesFor(plan, keyType, address) - 1;
  }
  return extra;
}
