/**
 * Evidence per frontend: what each address × key type of a target was last observed serving, and when.
 * The rollout state of a target is read from this evidence over a window, never from one cycle: Google's
 * DNS answers name a few of many frontends, a different few each time, so "not in this cycle" only means
 * "unobserved".
 */
import type { EvidenceSlot, KeyTypeEvidence } from '../history';
import type { KeyType } from '../observation';
import type { WatchConfig } from '../watch-config';
import type { DetectContext } from './context';

const HOUR_MS = 3_600_000;

/** The key of an evidence slot. */
export function slotKey(address: string, keyType: KeyType): string {
  return `${keyType} ${address}`;
}

/**
 * Folds this cycle's completed handshakes into the evidence. Only a cycle that advances time updates it
 * (a repeated or late cycle of an earlier instant changes nothing). When an address moves from one leaf to
 * another, the leaf it left gets its last-seen time (the evidence no longer carries it).
 */
export function updateEvidence(ctx: DetectContext): void {
  if (!ctx.advances) return;
  pruneEvidence(ctx);
  for (const [keyType, addresses] of ctx.served.addressesByKeyType) {
    const before = ctx.keyTypes[keyType];
    const cycles = (before?.cycles ?? 0) + 1;
    ctx.keyTypes[keyType] = { cycles, lastAt: ctx.nowIso, baselineAt: before?.baselineAt ?? ctx.nowIso };
    for (const address of addresses) {
      const leaf = ctx.served.leafAt.get(slotKey(address, keyType));
      if (!leaf) continue;
      const key = slotKey(address, keyType);
      const old = ctx.evidence.get(key);
      if (old && old.sha256 !== leaf) leftBehind(ctx, old);
      // A gap counts only when the key type was observed elsewhere meanwhile (not a pause of the watcher).
      const gap = old && cycles - old.mark > 1 ? (ctx.now.getTime() - Date.parse(old.at)) / HOUR_MS : 0;
      const gapHours = Math.round(Math.max(old?.gapHours ?? 0, gap) * 10) / 10;
      ctx.evidence.set(key, {
        address,
        keyType,
        sha256: leaf,
        at: ctx.nowIso,
        mark: cycles,
        ...(gapHours > 0 ? { gapHours } : {}),
      });
    }
  }
}

function leftBehind(ctx: DetectContext, slot: EvidenceSlot): void {
  const record = ctx.records.get(slot.sha256);
  if (!record) return;
  if (record.lastSeen < slot.at) {
    record.lastSeen = slot.at;
    ctx.changed.add(record.sha256);
  }
  if ((record.lastMark ?? -1) < slot.mark) {
    record.lastMark = slot.mark;
    ctx.changed.add(record.sha256);
  }
}

/** An address unobserved this long, and stale, is forgotten: Google's frontends come and go, the item must not grow. */
export const FORGET_AFTER_HOURS = 14 * 24;

/**
 * Drops evidence of addresses stale and unobserved for {@link FORGET_AFTER_HOURS}. Nothing reads a
 * forgotten address differently from a stale one (it holds no leaf active and counts in no window).
 */
function pruneEvidence(ctx: DetectContext): void {
  for (const [key, slot] of ctx.evidence) {
    const hours = (ctx.now.getTime() - Date.parse(slot.at)) / HOUR_MS;
    if (hours >= FORGET_AFTER_HOURS && isStale(slot, ctx.keyTypes[slot.keyType], ctx.config)) ctx.evidence.delete(key);
  }
}

/** How many times its own longest gap an address must stay unobserved before it is stale. */
export const STALE_GAP_FACTOR = 2;

/**
 * Whether an address's last observation has gone stale: its key type was observed elsewhere at the target
 * for at least `staleAfterCycles` cycles and `staleAfterHours` hours since (or twice the address's own
 * longest gap, when longer). Both must hold: the cycle count guards against a pause of the watcher, the
 * duration against Google's DNS naming a frontend only once a day.
 */
export function isStale(slot: EvidenceSlot, keyType: KeyTypeEvidence | undefined, config: WatchConfig): boolean {
  if (!keyType) return false;
  const cycles = keyType.cycles - slot.mark;
  const hours = (Date.parse(keyType.lastAt) - Date.parse(slot.at)) / HOUR_MS;
  const window = Math.max(config.staleAfterHours, STALE_GAP_FACTOR * (slot.gapHours ?? 0));
  return cycles >= config.staleAfterCycles && hours >= window;
}

/** The evidence slots of a key type that are still in the window (not stale), sorted by address. */
export function windowSlots(ctx: DetectContext, keyType: KeyType): EvidenceSlot[] {
  return [...ctx.evidence.values()]
    .filter((s) => s.keyType === keyType && !isStale(s, ctx.keyTypes[keyType], ctx.config))
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** The evidence as stored: sorted by address, then key type. */
export function sortedEvidence(evidence: Map<string, EvidenceSlot>): EvidenceSlot[] {
  return [...evidence.values()].sort(
    (a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType),
  );
}
