/**
 * The time arithmetic of a run (docs/architecture.md "The run"): how long one target can take at worst,
 * how many targets a stretch of time holds at worst, and how many shards a list needs. Pure: the run
 * (lambdas/run/) applies it against the clock, the stack (lib/) against the function timeout.
 */
import { FAN_OUT } from './budgets';
import type { KeyType } from './observation';

/** Fixed assumptions of the arithmetic. */
export const RUN_BUDGET = Object.freeze({
  /** Addresses assumed behind a name before it is resolved (Google's names publish one to four per family). */
  assumedAddresses: 4,
  /** Name resolution may take two probe timeouts (the DNS answer, then the system resolver). */
  resolutionTimeouts: 2,
  /**
   * Kept back at the end of an invocation for detection, the store writes and the rate: this share of
   * the invocation's time, but at least `minReserveMs` (a quarter of a short invocation).
   */
  reserveShare: 0.1,
  minReserveMs: 10_000,
});

/**
 * TLS posture per target: an address takes about 6 s to enumerate (measured: ~60 handshakes), four
 * addresses are enumerated at once, and a target is given twice that. Posture shards are sized by it and
 * stop starting targets when it no longer fits; a black-holed address costs its handshake budget of
 * probe timeouts, so the posture step also gives up a batch still running at its deadline.
 */
export const POSTURE_BUDGET = Object.freeze({ secondsPerTarget: 12, targetsPerBatch: 4 });

/** What one target costs at worst, in probe-slot milliseconds: the slots run `concurrency` at a time. */
export interface WorstCaseInput {
  probeTimeoutMs: number;
  keyTypes: readonly KeyType[];
  /** Probes in flight at once. */
  concurrency: number;
  /** Addresses per name (default {@link RUN_BUDGET.assumedAddresses}). */
  addresses?: number;
  /** Extra handshakes per address and key type (e.g. rollout sampling): each can take a probe timeout. */
  extraHandshakesPerAddress?: number;
  /** Further slot-milliseconds per target the run's extensions add (revocation fetches, log reads). */
  extraMsPerTarget?: number;
}

/**
 * One target's worst case in slot-milliseconds: probe timeout × key types × addresses × (1 + extra
 * handshakes), plus what the extensions add.
 */
export function targetWorstCaseMs(input: WorstCaseInput): number {
  const addresses = input.addresses ?? RUN_BUDGET.assumedAddresses;
  const handshakes = input.keyTypes.length * addresses * (1 + (input.extraHandshakesPerAddress ?? 0));
  return handshakes * input.probeTimeoutMs + (input.extraMsPerTarget ?? 0);
}

/**
 * The wall-clock bound of probing `count` targets at worst: resolution, then the slots spread over
 * `concurrency` workers, plus one probe timeout for the last one started (list scheduling never takes
 * longer than total / workers + the longest job).
 */
export function batchWorstCaseMs(count: number, input: WorstCaseInput): number {
  if (count <= 0) return 0;
  const resolutionWaves = Math.ceil(count / Math.max(1, input.concurrency));
  const resolution = resolutionWaves * RUN_BUDGET.resolutionTimeouts * input.probeTimeoutMs;
  const slots = (count * targetWorstCaseMs(input)) / Math.max(1, input.concurrency);
  return Math.ceil(resolution + slots + input.probeTimeoutMs);
}

/** The most targets whose worst case fits in `ms` (0 when not even one does). */
export function targetsWithinMs(ms: number, input: WorstCaseInput): number {
  if (batchWorstCaseMs(1, input) > ms) return 0;
  let low = 1;
  let high = 1;
  while (batchWorstCaseMs(high * 2, input) <= ms && high < 1_000_000) high *= 2;
  high *= 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (batchWorstCaseMs(mid, input) <= ms) low = mid;
    else high = mid;
  }
  return low;
}

/** What an invocation keeps back at its end (detection, store writes, the rate). */
export function reserveMs(invocationMs: number): number {
  const floor = Math.min(RUN_BUDGET.minReserveMs, Math.ceil(invocationMs / 4));
  return Math.max(floor, Math.ceil(invocationMs * RUN_BUDGET.reserveShare));
}

/** The probing time one invocation of `invocationMs` gives a shard. */
export function probingMs(invocationMs: number): number {
  return Math.max(0, invocationMs - reserveMs(invocationMs));
}

/** A measured probe rate (the last shards'). */
export interface MeasuredRate {
  entries: number;
  seconds: number;
}

/** How many entries one shard is given: what fits at worst, and no more than the measured rate fits. */
export function shardCapacity(invocationMs: number, worst: WorstCaseInput, rate: MeasuredRate | null): number {
  const probing = probingMs(invocationMs);
  const atWorst = targetsWithinMs(probing, worst);
  const perEntry =
    rate && rate.entries > 0 && rate.seconds >= 0 ? rate.seconds / rate.entries : FAN_OUT.defaultSecondsPerEntry;
  const atRate = perEntry > 0 ? Math.floor(probing / 1000 / perEntry) : Number.POSITIVE_INFINITY;
  return Math.max(1, Math.min(atWorst, atRate));
}

/** The shard count of a run of `entries`: at most `FAN_OUT.maxShards`, at least one. */
export function shardCountFor(entries: number, capacity: number): number {
  return Math.min(FAN_OUT.maxShards, Math.max(1, Math.ceil(entries / Math.max(1, capacity))));
}

/** The shard an entry belongs to: a stable hash of its key (FNV-1a), so entries stay put as the list grows. */
export function shardOf(key: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % Math.max(1, shardCount);
}
