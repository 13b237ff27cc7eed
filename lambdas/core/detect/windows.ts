/**
 * Reading the serving mix (docs/rollouts.md): an address's window of watched hours, when it is stale, when a
 * leaf has been absent from it for its window, which addresses are in the window, and a leaf's rollout
 * progress over them.
 */
import type { AddressEvidence, KeyTypeEvidence, LeafMix } from '../history';
import type { KeyType } from '../observation';
import type { WatchConfig } from '../watch-config';
import type { DetectContext } from './context';
import { holdFactor } from './watched-time';

/** How many times its gap estimate an address must stay unobserved before it is stale. */
export const STALE_GAP_FACTOR = 2;

/**
 * The watched hours after which an address stops holding a leaf on duration alone, or goes stale when
 * unobserved: `staleAfterHours`, or twice its gap estimate when longer, times the key type's hysteresis.
 */
export function windowHours(entry: AddressEvidence, keyType: KeyTypeEvidence | undefined, config: WatchConfig): number {
  return Math.max(config.staleAfterHours, STALE_GAP_FACTOR * entry.gap) * holdFactor(keyType);
}

/**
 * Whether an address's last observation has gone stale: its key type was observed elsewhere at the target
 * for at least `staleAfterCycles` cycles and its window of watched hours since. Both must hold: the cycle
 * count guards against a burst of cycles, the duration against Google's DNS naming a frontend only about
 * once a day.
 */
export function isStale(entry: AddressEvidence, keyType: KeyTypeEvidence | undefined, config: WatchConfig): boolean {
  if (!keyType) return false;
  const cycles = keyType.cycles - entry.c;
  const hours = (keyType.clock ?? 0) - entry.h;
  return cycles >= config.staleAfterCycles && hours >= windowHours(entry, keyType, config);
}

/**
 * Whether a leaf seen at an address has been absent there for its window: `staleAfterCycles` observations
 * without it and the address's window of watched hours since its last sighting there.
 */
export function absentForWindow(
  entry: AddressEvidence,
  leaf: LeafMix,
  keyType: KeyTypeEvidence | undefined,
  config: WatchConfig,
): boolean {
  if (!keyType) return false;
  return leaf.m >= config.staleAfterCycles && (keyType.clock ?? 0) - leaf.h >= windowHours(entry, keyType, config);
}

/** The evidence entries of a key type that are still in the window (not stale), sorted by address. */
export function windowEntries(ctx: DetectContext, keyType: KeyType): AddressEvidence[] {
  return [...ctx.evidence.values()]
    .filter((e) => e.keyType === keyType && !isStale(e, ctx.keyTypes[keyType], ctx.config))
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** The evidence as stored: sorted by address, then key type. */
export function sortedEvidence(evidence: Map<string, AddressEvidence>): AddressEvidence[] {
  return [...evidence.values()].sort(
    (a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType),
  );
}

/**
 * Rollout progress of a leaf of a key type from the window: its share of the handshakes (decayed), the
 * addresses whose mix holds it, and the addresses observed.
 */
export function rolloutOf(
  ctx: DetectContext,
  keyType: KeyType,
  sha256: string,
): { share: number; serving: number; total: number } {
  const entries = windowEntries(ctx, keyType);
  let hits = 0;
  let all = 0;
  let serving = 0;
  for (const entry of entries) {
    const leaf = entry.leaves.find((l) => l.sha256 === sha256);
    all += entry.s;
    if (leaf) {
      hits += leaf.s;
      serving += 1;
    }
  }
  return { share: all > 0 ? Math.round((hits / all) * 100) / 100 : 0, serving, total: entries.length };
}
