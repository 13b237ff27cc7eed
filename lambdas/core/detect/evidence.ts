/**
 * Evidence per address × key type: the serving mix (docs/rollouts.md). One address may be a pool of
 * frontends, so what it serves is a mix of leaves, kept over a recent window as counts per leaf that decay
 * with wall time (cycles that saw it, handshakes that presented it, runs of sightings, misses since its last
 * sighting, its conservative share). Durations are the key type's watched clock: an interval between two
 * cycles counts at most three times the target's cadence (watched-time.ts), so a pause of the watcher (an
 * outage, a removal and re-add) is neither evidence nor gap.
 */
import type { AddressEvidence, KeyTypeEvidence, LeafMix } from '../history';
import type { KeyType } from '../observation';
import { round2, shareLowerBound } from './bounds';
import type { DetectContext } from './context';
import { countedHours, decayHold } from './watched-time';
import { absentForWindow, isStale } from './windows';

const HOUR_MS = 3_600_000;

/** The key of an evidence entry. */
export function slotKey(address: string, keyType: KeyType): string {
  return `${keyType} ${address}`;
}

/** Each observation of an address shrinks its gap estimate to this share, unless the new gap is longer. */
export const GAP_SHRINK = 0.8;
/** An address unobserved this long (wall hours), and stale, is forgotten: the item must not grow. */
export const FORGET_AFTER_HOURS = 14 * 24;
/** At most this many addresses per key type are kept (the least recently observed go first). */
export const MAX_ADDRESSES_PER_KEY_TYPE = 16;
/** At most this many leaves per address are kept (the least recently seen go first). */
export const MAX_LEAVES_PER_ADDRESS = 4;

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

/**
 * Decay of the mix counts from `fromIso` to this cycle, by wall time (the world changes during a pause
 * too); `fast` = the fast counts', four times quicker.
 */
function decayFactor(ctx: DetectContext, fromIso: string, fast = false): number {
  const halfLife = Math.max(0.25, ctx.config.mixWindowHours / MIX_HALF_LIVES) / (fast ? FAST_DECAY : 1);
  return 2 ** (-Math.max(0, (ctx.now.getTime() - Date.parse(fromIso)) / HOUR_MS) / halfLife);
}

/** The fast counts decay this many times quicker than the others. */
export const FAST_DECAY = 4;

/** The mix window spans this many half-lives of the counts. */
export const MIX_HALF_LIVES = 4;

/** A leaf seen at an address this cycle: counts, runs, burstiness, conservative share. */
function sighting(
  sha256: string,
  old: LeafMix | undefined,
  misses: number,
  count: number,
  trials: { n: number; f: number },
  at: string,
  h: number,
): LeafMix {
  const n = round2((old?.n ?? 0) + 1);
  const f = round2((old?.f ?? 0) + 1);
  const r = round2((old?.r ?? 0) + (old === undefined || misses > 0 ? 1 : 0));
  const p = Math.min(1, n / trials.n);
  const k = Math.max(1, Math.round((n / Math.max(r, 1)) * (1 - p) * 100) / 100);
  return {
    sha256,
    at,
    h,
    n,
    f,
    s: round2((old?.s ?? 0) + count),
    m: 0,
    q: Math.min(shareLowerBound(n / k, trials.n / k), shareLowerBound(f / k, trials.f / k)),
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
  const ff = before ? decayFactor(ctx, before.at, true) : 1;
  const gap = before ? Math.round(Math.max(clock - before.h, before.gap * GAP_SHRINK) * 10) / 10 : 0;
  const samples = [...mix.values()].reduce((a, b) => a + b, 0);
  const n = round2((before?.n ?? 0) * f + 1);
  const nf = round2((before?.f ?? 0) * ff + 1);
  const leaves = new Map<string, LeafMix>();
  for (const leaf of before?.leaves ?? []) {
    leaves.set(leaf.sha256, {
      ...leaf,
      n: round2(leaf.n * f),
      f: round2((leaf.f ?? 0) * ff),
      s: round2(leaf.s * f),
      r: round2(leaf.r * f),
      g: round2(leaf.g * f),
      m: leaf.m + 1,
    });
  }
  for (const [sha256, count] of mix) {
    const old = leaves.get(sha256);
    // The run of misses this sighting ends (the +1 counted above for this cycle is no miss).
    leaves.set(sha256, sighting(sha256, old, old ? old.m - 1 : 0, count, { n, f: nf }, ctx.nowIso, clock));
  }
  return {
    address,
    keyType,
    at: ctx.nowIso,
    c: kt.cycles,
    h: clock,
    gap,
    n,
    f: nf,
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
  const nf = round2((before?.f ?? 0) + 1);
  const leaves = new Map((before?.leaves ?? []).map((l) => [l.sha256, { ...l }]));
  for (const [sha256, count] of mix) {
    const old = leaves.get(sha256);
    const seen = sighting(sha256, old, old?.m ?? 0, count, { n, f: nf }, ctx.nowIso, clock);
    leaves.set(sha256, old && old.at > ctx.nowIso ? { ...seen, at: old.at } : seen);
  }
  // Later than the address's last observation, it is the latest there: at the key type's latest position
  // (staleness delayed by at most the step back), so a leaf it shows is in the window ("1 of n", never 0).
  const latest = before === undefined || before.at < ctx.nowIso;
  return {
    address,
    keyType,
    at: latest ? ctx.nowIso : before.at,
    c: latest ? cycles : before.c,
    h: latest ? clock : before.h,
    gap: before?.gap ?? 0,
    n,
    f: nf,
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
