/**
 * The parts the rollout simulator's worlds are built of (rollout-worlds.ts): frontends with their leaf
 * schedules, addresses as pools of frontends, targets, the watcher's cycles, the leaves, and the builders
 * of a switch, a rising load-balanced address and a rollback.
 */
import type { DetectTarget } from '../../lambdas/core/detect';
import type { Cert, KeyType } from '../../lambdas/core/observation';
import { cert, T0 } from '../unit/detect-fixtures';
import type { Rng } from './prng';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ecdsa'];
/** A leaf index meaning "this key type is not offered" (KEY_TYPE_UNAVAILABLE). */
export const WITHDRAWN = -1;

/** One frontend: per key type, [from ms, leaf index] steps, sorted. */
export interface Frontend {
  serves: Record<KeyType, Array<[number, number]>>;
}

/** One address of a target: a pool of frontends. */
export interface SimAddress {
  address: string;
  frontends: Frontend[];
  /** `random`: each handshake reaches a frontend at random; `sticky`: every handshake of a cycle reaches one. */
  pick: 'random' | 'sticky';
  /** How often DNS names it (rotating answers). */
  dnsWeight: number;
  /** When it leaves DNS for good (ms), if it does. */
  leavesAt: number | null;
}

/** One target of a world. */
export interface SimTarget {
  target: DetectTarget;
  addresses: SimAddress[];
  /** `all`: every DNS answer names every address; else 1–2 per answer, each at least once per `maxGapHours`. */
  dns: 'all' | { maxGapHours: number };
}

/** One run of the watcher: stamped `at`, probing the world as it is at `real`. */
export interface WorldCycle {
  at: number;
  real: number;
  /** Targets watched in this cycle (absent: all); a removed target is left out. */
  targets?: readonly string[];
}

/** A world. */
export interface World {
  name: string;
  targets: SimTarget[];
  cycles: WorldCycle[];
  /** Shards of each cycle (1: one detection call over every target). */
  shards: number;
  cycleMinutes: number;
  /** Share of handshakes that time out. */
  failRate: number;
}

/** The leaves of every world: per key type, old, new, newer. */
export const LEAVES: Record<KeyType, Cert[]> = {
  rsa: [
    cert('sim-rsa-old', { from: -30, to: 60, keyAlgorithm: 'RSA 2048' }),
    cert('sim-rsa-new', { from: 1, to: 91, keyAlgorithm: 'RSA 2048' }),
  ],
  ecdsa: [cert('sim-ecdsa-old', { from: -30, to: 60 }), cert('sim-ecdsa-new', { from: 1, to: 91 })],
};

/** A leaf's name in messages, `ecdsa#1`. */
export const LEAF_NAME = new Map(KEY_TYPES.flatMap((k) => LEAVES[k].map((c, i) => [c.sha256, `${k}#${i}`] as const)));

/** The leaf a frontend serves at `t`. */
export function leafAt(f: Frontend, keyType: KeyType, t: number): number {
  let leaf = 0;
  for (const [from, index] of f.serves[keyType]) if (from <= t) leaf = index;
  return leaf;
}

export function target(n: number): DetectTarget {
  const host = `mx${n}.sim.example`;
  return { url: `smtps://${host}:465`, host, mode: 'implicit' };
}

/** A frontend that switches from leaf 0 to 1 at `at` (ECDSA `ecdsaLag` later). */
export function switching(at: number, ecdsaLag = 0): Frontend {
  return {
    serves: {
      rsa: [
        [T0.getTime(), 0],
        [at, 1],
      ],
      ecdsa: [
        [T0.getTime(), 0],
        [at + ecdsaLag, 1],
      ],
    },
  };
}

export function regularCycles(days: number, cycleMinutes: number): WorldCycle[] {
  const out: WorldCycle[] = [];
  for (let t = T0.getTime(); t < T0.getTime() + days * DAY; t += cycleMinutes * 60_000) out.push({ at: t, real: t });
  return out;
}

/** Rolls 1–2 frontends back to the old leaves for 6–36 h from `at` (a real rollback). */
export function rollBack(rng: Rng, frontends: Frontend[], at: number, count = rng.range(1, 2)): void {
  const back = at + rng.range(6, 36) * HOUR;
  for (const f of rng.shuffle(frontends).slice(0, count)) {
    for (const k of KEY_TYPES) {
      if (leafAt(f, k, at) !== 1) continue;
      f.serves[k].push([at, 0], [back, 1]);
      f.serves[k].sort((a, b) => a[0] - b[0]);
    }
  }
}

/** A VIP whose share of new-leaf frontends rises from `first` to 1 over `days` from `start`. */
export function risingVip(rng: Rng, address: string, start: number, days: number, first = 0.1, size = 20): SimAddress {
  const early = Math.max(1, Math.round(first * size));
  const ecdsaLag = rng.int(6) * HOUR;
  const frontends = Array.from({ length: size }, (_, i) =>
    switching(i < early ? start : start + Math.floor(rng.float() * days * DAY), ecdsaLag),
  );
  return { address, frontends, pick: 'random', dnsWeight: 1, leavesAt: null };
}

/** The end of the last switch of a set of frontends (ms). */
export function lastSwitch(frontends: readonly Frontend[]): number {
  return Math.max(...frontends.flatMap((f) => KEY_TYPES.flatMap((k) => f.serves[k].map(([from]) => from))));
}
