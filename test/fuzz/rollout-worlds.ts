/**
 * The worlds of the rollout simulator (test/fuzz/rollout-sim.ts), seeded: targets whose addresses are each
 * a pool of frontends (one handshake reaches one of them, at random or sticky to our source address), each
 * frontend serving a leaf per key type on a schedule, DNS answers naming all or some addresses, and a
 * watcher that runs on a schedule of its own (pauses, a removal and re-add, clock steps, late retries,
 * shards). The ground truth is the frontends' schedules.
 */
import { T0 } from '../unit/detect-fixtures';
import { Rng } from './prng';
import {
  DAY,
  HOUR,
  lastSwitch,
  regularCycles,
  risingVip,
  rollBack,
  type SimAddress,
  switching,
  target,
  WITHDRAWN,
  type World,
  type WorldCycle,
} from './rollout-world-parts';

export * from './rollout-world-parts';

type Builder = (seed: number, cycleMinutes: number) => World;

/** Six single-frontend addresses, DNS naming 1–2 per cycle, a 5-day rollout and one rollback (30 days). */
const google: Builder = (seed, cycleMinutes) => {
  const rng = Rng.for(seed, 'world', 'google');
  const start = T0.getTime() + rng.range(2 * 24, 8 * 24) * HOUR;
  const frontends = Array.from({ length: 6 }, () =>
    switching(start + rng.int(5 * 24) * HOUR + rng.int(60) * 60_000, rng.int(6) * HOUR),
  );
  rollBack(rng, frontends, lastSwitch(frontends) + rng.range(12, 72) * HOUR);
  const weights = [4, 3, 2, 1, 0.5, 0.25];
  return {
    name: 'google',
    targets: [
      {
        target: target(1),
        addresses: frontends.map((f, i) => ({
          address: `198.51.100.${i + 1}`,
          frontends: [f],
          pick: 'random',
          dnsWeight: weights[i],
          leavesAt: null,
        })),
        dns: { maxGapHours: 22 },
      },
    ],
    cycles: regularCycles(30, cycleMinutes),
    shards: 1,
    cycleMinutes,
    failRate: 0.04,
  };
};

/** One VIP of 20 frontends, the new leaf's share rising 0.1 → 1.0 over 3 days (12 days). */
const vipRising: Builder = (seed, cycleMinutes) => {
  const rng = Rng.for(seed, 'world', 'vip-rising');
  const start = T0.getTime() + rng.range(2 * 24, 4 * 24) * HOUR;
  return {
    name: 'vip-rising',
    targets: [{ target: target(1), addresses: [risingVip(rng, '203.0.113.10', start, 3)], dns: 'all' }],
    cycles: regularCycles(12, cycleMinutes),
    shards: 1,
    cycleMinutes,
    failRate: 0.02,
  };
};

/** One address, two frontends: new on one of them for 6 days, then on both (14 days). */
const twoBackends: Builder = (seed, cycleMinutes) => {
  const rng = Rng.for(seed, 'world', 'two-backends');
  const start = T0.getTime() + rng.range(2 * 24, 3 * 24) * HOUR;
  const frontends = [switching(start), switching(start + 6 * DAY)];
  return {
    name: 'two-backends',
    targets: [
      {
        target: target(1),
        addresses: [{ address: '203.0.113.20', frontends, pick: 'random', dnsWeight: 1, leavesAt: null }],
        dns: 'all',
      },
    ],
    cycles: regularCycles(14, cycleMinutes),
    shards: 1,
    cycleMinutes,
    failRate: 0.02,
  };
};

/** Two addresses of 6 frontends each, every handshake of a cycle from our source reaching one (sticky). */
const sticky: Builder = (seed, cycleMinutes) => {
  const rng = Rng.for(seed, 'world', 'sticky');
  const start = T0.getTime() + rng.range(2 * 24, 4 * 24) * HOUR;
  const pool = (address: string): SimAddress => ({
    address,
    frontends: Array.from({ length: 6 }, () => switching(start + Math.floor(rng.float() * 2 * DAY))),
    pick: 'sticky',
    dnsWeight: 1,
    leavesAt: null,
  });
  return {
    name: 'sticky',
    targets: [{ target: target(1), addresses: [pool('203.0.113.30'), pool('203.0.113.31')], dns: 'all' }],
    cycles: regularCycles(10, cycleMinutes),
    shards: 1,
    cycleMinutes,
    failRate: 0.02,
  };
};

/** Cycles with a gap: no cycle in [from, from + hours). */
function paused(cycles: WorldCycle[], from: number, hours: number): WorldCycle[] {
  return cycles.filter((c) => c.real < from || c.real >= from + hours * HOUR);
}

/** The rising VIP with the watcher paused 3 days in the middle of the rollout. */
const pauseDuring: Builder = (seed, cycleMinutes) => {
  const world = vipRising(seed, cycleMinutes);
  const rng = Rng.for(seed, 'world', 'pause-during');
  const start = Math.min(...world.targets[0].addresses[0].frontends.map((f) => f.serves.rsa[1][0]));
  return { ...world, name: 'pause-during', cycles: paused(world.cycles, start + rng.range(12, 48) * HOUR, 72) };
};

/** Google-like, the watcher paused 3 days just before the rollout. */
const pauseBefore: Builder = (seed, cycleMinutes) => {
  const world = google(seed, cycleMinutes);
  const start = Math.min(...world.targets[0].addresses.flatMap((a) => a.frontends.map((f) => f.serves.rsa[1][0])));
  return { ...world, name: 'pause-before', cycles: paused(world.cycles, start - 74 * HOUR, 72) };
};

/** The rising VIP, the target removed for a day mid-rollout and added again (its history stays). */
const readd: Builder = (seed, cycleMinutes) => {
  const world = vipRising(seed, cycleMinutes);
  const rng = Rng.for(seed, 'world', 'readd');
  const start = Math.min(...world.targets[0].addresses[0].frontends.map((f) => f.serves.rsa[1][0]));
  const from = start + rng.range(6, 60) * HOUR;
  const to = from + rng.range(12, 48) * HOUR;
  return {
    ...world,
    name: 'readd',
    cycles: world.cycles.map((c) => (c.real >= from && c.real < to ? { ...c, targets: [] } : c)),
  };
};

/** The rising VIP with a rollback after the rollout, and clocks stepped back an hour now and then. */
const clockSteps: Builder = (seed, cycleMinutes) => {
  const world = withRollback(vipRising(seed, cycleMinutes), seed);
  const rng = Rng.for(seed, 'world', 'clock-steps');
  return {
    ...world,
    name: 'clock-steps',
    cycles: world.cycles.map((c) => (rng.chance(0.03) ? { ...c, at: c.at - HOUR } : c)),
  };
};

/** The rising VIP with a rollback, and retries stamped an hour before the cycle they follow. */
const lateRetries: Builder = (seed, cycleMinutes) => {
  const world = withRollback(vipRising(seed, cycleMinutes), seed);
  const rng = Rng.for(seed, 'world', 'late-retries');
  const cycles = world.cycles.flatMap((c) =>
    rng.chance(0.05) ? [c, { at: c.at - HOUR, real: c.real + 60_000 }] : [c],
  );
  return { ...world, name: 'late-retries', cycles };
};

/** Every frontend back to the old leaf for 12–36 h, 1–3 days after the rollout ended (a real rollback). */
function withRollback(world: World, seed: number): World {
  const rng = Rng.for(seed, 'world', 'rollback');
  const frontends = world.targets.flatMap((t) => t.addresses.flatMap((a) => a.frontends));
  rollBack(rng, frontends, lastSwitch(frontends) + rng.range(24, 72) * HOUR, frontends.length);
  return world;
}

/** The rising VIP with a rollback of every frontend after the rollout. */
const rollback: Builder = (seed, cycleMinutes) => ({
  ...withRollback(vipRising(seed, cycleMinutes), seed),
  name: 'rollback',
});

/** Two addresses; ECDSA withdrawn from every frontend within a few hours (12 days). */
const withdrawn: Builder = (seed, cycleMinutes) => {
  const rng = Rng.for(seed, 'world', 'withdrawn');
  const at = T0.getTime() + rng.range(3 * 24, 5 * 24) * HOUR;
  const pool = (address: string): SimAddress => ({
    address,
    frontends: Array.from({ length: 4 }, () => ({
      serves: {
        rsa: [[T0.getTime(), 0]],
        ecdsa: [
          [T0.getTime(), 0],
          [at + rng.int(6 * 60) * 60_000, WITHDRAWN],
        ],
      },
    })),
    pick: 'random',
    dnsWeight: 1,
    leavesAt: null,
  });
  return {
    name: 'withdrawn',
    targets: [{ target: target(1), addresses: [pool('203.0.113.40'), pool('203.0.113.41')], dns: 'all' }],
    cycles: regularCycles(12, cycleMinutes),
    shards: 1,
    cycleMinutes,
    failRate: 0.02,
  };
};

/**
 * Three targets sharing their leaves, one load-balanced address each (10 frontends); each target's rollout
 * starts a day after the previous one's (or, `sameDay`, within hours of it) and takes a day and a half.
 */
function sharedWorld(name: string, sameDay: boolean, shards: number): Builder {
  return (seed, cycleMinutes) => {
    const rng = Rng.for(seed, 'world', name);
    const start = T0.getTime() + rng.range(2 * 24, 3 * 24) * HOUR;
    const targets = [1, 2, 3].map((n, i) => ({
      target: target(n),
      addresses: [risingVip(rng, `203.0.113.${50 + n}`, start + (sameDay ? rng.int(6) : i * 24) * HOUR, 1.5, 0.1, 10)],
      dns: 'all' as const,
    }));
    return { name, targets, cycles: regularCycles(14, cycleMinutes), shards, cycleMinutes, failRate: 0.02 };
  };
}

/** Every world, by name. */
export const WORLDS: Record<string, Builder> = {
  google,
  'vip-rising': vipRising,
  'two-backends': twoBackends,
  sticky,
  'pause-during': pauseDuring,
  'pause-before': pauseBefore,
  readd,
  'clock-steps': clockSteps,
  'late-retries': lateRetries,
  rollback,
  withdrawn,
  'shared-days': sharedWorld('shared-days', false, 1),
  shards: sharedWorld('shards', true, 3),
};
