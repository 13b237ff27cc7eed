/**
 * Evidence per address × key type: the serving mix (docs/rollouts.md). One address may be a pool of
 * frontends, so what it serves is a mix of leaves, kept over a recent window as counts per leaf that decay
 * with wall time (cycles that saw it, handshakes that presented it, runs of sightings, misses since its last
 * sighting, its conservative share). Durations are the key type's watched clock: an interval between two
 * cycles counts at most {@link PAUSE_FACTOR} times the target's cadence, so a pause of the watcher (an
 * outage, a removal and re-add) is neither evidence nor gap.
 */
import type { AddressEvidence, KeyTypeEvidence, LeafMix } from '../history';
import type { KeyType } from '../observation';
import type { WatchConfig } from '../watch-config';
import { round2, shareLowerBound } from './bounds';
import type { DetectContext } from './context';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The key of an evidence entry. */
export function slotKey(address: string, keyType: KeyType): string {
  return `${keyType} ${address}`;
}

/** An interval between two cycles counts at most this many times the target's cadence (a pause beyond). */
export const PAUSE_FACTOR = 3;
/** Before a cadence is known (the second cycle), an interval counts at most this many minutes. */
const FIRST_INTERVAL_CAP_MINUTES = 60;
/** Each observation of an address shrinks its gap estimate to this share, unless the new gap is longer. */
export const GAP_SHRINK = 0.8;
/** How many times its gap estimate an address must stay unobserved before it is stale. */
export const STALE_GAP_FACTOR = 2;
/** An address unobserved this long (wall hours), and stale, is forgotten: the item must not grow. */
export const FORGET_AFTER_HOURS = 14 * 24;
/** At most this many addresses per key type are kept (the least recently observed go first). */
export const MAX_ADDRESSES_PER_KEY_TYPE = 16;
/** At most this many leaves per address are kept (the least recently seen go first). */
export const MAX_LEAVES_PER_ADDRESS = 4;

/** The cadence after this cycle: a moving estimate of the minutes between cycles, robust to one pause. */
export function nextCadence(previous: number | undefined, lastCycleAt: string | null, now: Date): number | undefined {
  if (lastCycleAt === null) return previous;
  const minutes = (now.getTime() - Date.parse(lastCycleAt)) / MINUTE_MS;
  if (minutes <= 0) return previous;
  if (previous === undefined) return Math.round(Math.min(minutes, 360) * 10) / 10;
  return Math.round((0.8 * previous + 0.2 * Math.min(minutes, 4 * previous)) * 10) / 10;
}

/** Watched hours of the interval from `fromIso` to this cycle: at most {@link PAUSE_FACTOR} × the cadence (a pause). */
export function countedHours(ctx: DetectContext, fromIso: string): number {
  const minutes = (ctx.now.getTime() - Date.parse(fromIso)) / MINUTE_MS;
  if (!(minutes > 0)) return 0;
  const cap = ctx.prev.cadence === undefined ? FIRST_INTERVAL_CAP_MINUTES : PAUSE_FACTOR * ctx.prev.cadence;
  return round2(Math.min(minutes, cap) / 60);
}

/** The hysteresis factor of a key type (1 when none). */
export function holdFactor(keyType: KeyTypeEvidence | undefined): number {
  return keyType?.hold?.factor ?? 1;
}

/** A week of watched time without a return halves the hysteresis factor. */
const HOLD_HALVES_AFTER_HOURS = 7 * 24;

function decayHold(hold: KeyTypeEvidence['hold'], clock: number): KeyTypeEvidence['hold'] {
  if (!hold) return undefined;
  if (clock - hold.since < HOLD_HALVES_AFTER_HOURS) return hold;
  const factor = hold.factor / 2;
  return factor <= 1 ? undefined : { factor, since: clock };
}

/**
 * Folds this cycle's completed handshakes into the evidence. A cycle that advances time moves the key
 * type's clock and counts a miss for every leaf an observed address did not present. A cycle that does not
 * (a clock stepped back, a late retry) adds its sightings without moving any clock or counting misses,
 * and a leaf it saw starts its misses and duration again from the latest clock: nothing retires from
 * evidence older than what such a cycle holds.
 */
export function updateEvidence(ctx: DetectContext): void {
  // A re-run of the saved cycle's own instant (a retry after a crash) holds nothing new.
  if (!ctx.advances && ctx.nowIso === ctx.prev.lastCycleAt) return;
  if (ctx.advances) {
    pruneEvidence(ctx);
    advanceKeyTypes(ctx);
  }
  for (const [keyType] of ctx.served.addressesByKeyType) {
    const kt = ctx.keyTypes[keyType];
    if (!kt) continue;
    const clock = kt.clock ?? 0;
    for (const address of ctx.served.addressesByKeyType.get(keyType) ?? []) {
      const mix = ctx.served.mixAt.get(slotKey(address, keyType));
      if (!mix || mix.size === 0) continue;
      const key = slotKey(address, keyType);
      const before = ctx.evidence.get(key);
      const next = ctx.advances
        ? observed(ctx, before, address, keyType, kt, mix)
        : observedLate(ctx, before, address, keyType, clock, kt.cycles, mix);
      ctx.evidence.set(key, next);
    }
  }
  capEvidence(ctx);
}

function advanceKeyTypes(ctx: DetectContext): void {
  for (const keyType of ctx.served.addressesByKeyType.keys()) {
    const before = ctx.keyTypes[keyType];
    const clock = round2((before?.clock ?? 0) + (before ? countedHours(ctx, before.lastAt) : 0));
    const hold = decayHold(before?.hold, clock);
    ctx.keyTypes[keyType] = {
      cycles: (before?.cycles ?? 0) + 1,
      lastAt: ctx.nowIso,
      baselineAt: before?.baselineAt ?? ctx.nowIso,
      clock,
      ...(hold ? { hold } : {}),
    };
  }
}

/** Decay of the mix counts from `fromIso` to this cycle, by wall time (the world changes during a pause too). */
function decayFactor(ctx: DetectContext, fromIso: string): number {
  const halfLife = Math.max(0.25, ctx.config.mixWindowHours / MIX_HALF_LIVES);
  return 2 ** (-Math.max(0, (ctx.now.getTime() - Date.parse(fromIso)) / HOUR_MS) / halfLife);
}

/** The mix window spans this many half-lives of the counts. */
export const MIX_HALF_LIVES = 4;

/** A leaf seen at an address this cycle: counts, runs, burstiness, conservative share. */
function sighting(
  sha256: string,
  old: LeafMix | undefined,
  misses: number,
  count: number,
  trials: number,
  at: string,
  h: number,
): LeafMix {
  const n = round2((old?.n ?? 0) + 1);
  const r = round2((old?.r ?? 0) + (old === undefined || misses > 0 ? 1 : 0));
  const p = Math.min(1, n / trials);
  const k = Math.max(1, Math.round((n / Math.max(r, 1)) * (1 - p) * 100) / 100);
  return {
    sha256,
    at,
    h,
    n,
    s: round2((old?.s ?? 0) + count),
    m: 0,
    q: shareLowerBound(n / k, trials / k),
    g: Math.max(misses, old?.g ?? 0),
    r,
    k,
  };
}

/** An address observed by an advancing cycle: decay, gap, counts, misses, shares. */
function observed(
  ctx: DetectContext,
  before: AddressEvidence | undefined,
  address: string,
  keyType: KeyType,
  kt: KeyTypeEvidence,
  mix: ReadonlyMap<string, number>,
): AddressEvidence {
  const clock = kt.clock ?? 0;
  const f = before ? decayFactor(ctx, before.at) : 1;
  const gap = before ? Math.round(Math.max(clock - before.h, before.gap * GAP_SHRINK) * 10) / 10 : 0;
  const samples = [...mix.values()].reduce((a, b) => a + b, 0);
  const n = round2((before?.n ?? 0) * f + 1);
  const leaves = new Map<string, LeafMix>();
  for (const leaf of before?.leaves ?? []) {
    leaves.set(leaf.sha256, {
      ...leaf,
      n: round2(leaf.n * f),
      s: round2(leaf.s * f),
      r: round2(leaf.r * f),
      g: round2(leaf.g * f),
      m: leaf.m + 1,
    });
  }
  for (const [sha256, count] of mix) {
    const old = leaves.get(sha256);
    // The run of misses this sighting ends (the +1 counted above for this cycle is no miss).
    leaves.set(sha256, sighting(sha256, old, old ? old.m - 1 : 0, count, n, ctx.nowIso, clock));
  }
  return {
    address,
    keyType,
    at: ctx.nowIso,
    c: kt.cycles,
    h: clock,
    gap,
    n,
    s: round2((before?.s ?? 0) * f + samples),
    leaves: newestFirst([...leaves.values()]),
  };
}

/** An address observed by a cycle that does not advance time: sightings added, no clock moved. */
function observedLate(
  ctx: DetectContext,
  before: AddressEvidence | undefined,
  address: string,
  keyType: KeyType,
  clock: number,
  cycles: number,
  mix: ReadonlyMap<string, number>,
): AddressEvidence {
  const samples = [...mix.values()].reduce((a, b) => a + b, 0);
  const n = round2((before?.n ?? 0) + 1);
  const leaves = new Map((before?.leaves ?? []).map((l) => [l.sha256, { ...l }]));
  for (const [sha256, count] of mix) {
    const old = leaves.get(sha256);
    const seen = sighting(sha256, old, old?.m ?? 0, count, n, ctx.nowIso, clock);
    leaves.set(sha256, old && old.at > ctx.nowIso ? { ...seen, at: old.at } : seen);
  }
  return {
    address,
    keyType,
    at: before && before.at > ctx.nowIso ? before.at : ctx.nowIso,
    c: before?.c ?? cycles,
    h: before?.h ?? clock,
    gap: before?.gap ?? 0,
    n,
    s: round2((before?.s ?? 0) + samples),
    leaves: newestFirst([...leaves.values()]),
  };
}

function newestFirst(leaves: LeafMix[]): LeafMix[] {
  return leaves
    .sort((a, b) => b.at.localeCompare(a.at) || b.n - a.n || a.sha256.localeCompare(b.sha256))
    .slice(0, MAX_LEAVES_PER_ADDRESS);
}

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

/**
 * Forgets what no longer counts, so the item stays small: addresses stale and unobserved for
 * {@link FORGET_AFTER_HOURS}, and at each address the leaves absent for its window (they hold nothing
 * active any more; one seen again starts afresh).
 */
function pruneEvidence(ctx: DetectContext): void {
  for (const [key, entry] of ctx.evidence) {
    const kt = ctx.keyTypes[entry.keyType];
    const hours = (ctx.now.getTime() - Date.parse(entry.at)) / HOUR_MS;
    if (hours >= FORGET_AFTER_HOURS && isStale(entry, kt, ctx.config)) {
      ctx.evidence.delete(key);
      continue;
    }
    const kept = entry.leaves.filter((leaf) => !absentForWindow(entry, leaf, kt, ctx.config));
    if (kept.length !== entry.leaves.length) ctx.evidence.set(key, { ...entry, leaves: kept });
  }
}

/** Keeps at most {@link MAX_ADDRESSES_PER_KEY_TYPE} addresses per key type, the stale and least recent go first. */
function capEvidence(ctx: DetectContext): void {
  const byKeyType = new Map<KeyType, AddressEvidence[]>();
  for (const entry of ctx.evidence.values()) {
    byKeyType.set(entry.keyType, [...(byKeyType.get(entry.keyType) ?? []), entry]);
  }
  for (const [keyType, entries] of byKeyType) {
    if (entries.length <= MAX_ADDRESSES_PER_KEY_TYPE) continue;
    const kt = ctx.keyTypes[keyType];
    const order = entries.sort(
      (a, b) =>
        Number(isStale(a, kt, ctx.config)) - Number(isStale(b, kt, ctx.config)) ||
        b.at.localeCompare(a.at) ||
        a.address.localeCompare(b.address),
    );
    for (const dropped of order.slice(MAX_ADDRESSES_PER_KEY_TYPE))
      ctx.evidence.delete(slotKey(dropped.address, keyType));
  }
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
