/**
 * Rollout simulation: the worlds of rollout-worlds.ts watched by the real detection on simulated time (with
 * the run's settlement across targets and shards: settled-fleet.ts), each cycle's handshakes drawn from
 * the frontends (as many per address as the sampling plan asks), every notice checked against the ground
 * truth (rollout-checks.ts). The campaign sums the runs of one world: figures per type, flaps beside the
 * false-retirement probability the sampling test predicted, RETURNEDs after real rollbacks and after flaps,
 * hours from the true end of service to RETIRED, handshakes per cycle and those sampling added.
 */
import { samplesFor, samplingPlan } from '../../lambdas/core/detect/sampling';
import type { TargetHistory } from '../../lambdas/core/history';
import type { Observation } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../../lambdas/core/watch-config';
import { failed, INTERMEDIATE, obs } from '../unit/detect-fixtures';
import { Rng } from './prng';
import { RolloutChecker, type RolloutSimResult } from './rollout-checks';
import { DnsAnswers, pinned } from './rollout-truth';
import { KEY_TYPES, LEAVES, leafAt, type SimAddress, type SimTarget, WITHDRAWN, WORLDS } from './rollout-worlds';
import { SettledFleet } from './settled-fleet';

export type { RolloutSimResult } from './rollout-checks';

/**
 * A sticky address keeps our source on one frontend across cycles, moving it with this probability per
 * cycle (source affinity with a lease: the sightings of a leaf come in bursts).
 */
const STICKY_REPICK = 0.2;

/** How a run is shaped. */
export interface RolloutSimOptions {
  world: string;
  seed: number;
  cycleMinutes?: number;
  config?: WatchConfig;
  /** Drops the evidence before each cycle (the old "not seen this cycle = gone"): shows the checker can fail. */
  forgetEvidence?: boolean;
}

/** Runs one seeded world. */
export function runRolloutSim(options: RolloutSimOptions): RolloutSimResult {
  const build = WORLDS[options.world];
  if (!build) throw new Error(`no world "${options.world}"`);
  const world = build(options.seed, options.cycleMinutes ?? 15);
  const config = options.config ?? DEFAULT_WATCH_CONFIG;
  const rng = Rng.for(options.seed, 'rollout-sim', world.name);
  const fleet = new SettledFleet(
    world.targets.map((t) => t.target),
    config,
  );
  const histories = fleet.histories;
  const dns = new DnsAnswers(rng);
  const sticky = new Map<string, number>();
  /** When each key type × address last completed a handshake. */
  const observedAt = new Map<string, number>();
  const r: RolloutSimResult = {
    world: world.name,
    seed: options.seed,
    cycles: 0,
    counts: {},
    violations: [],
    flaps: 0,
    flapDetails: [],
    samplingRetirements: 0,
    predicted: 0,
    returns: { rollback: 0, flap: 0 },
    rollbackRaces: 0,
    retireLagHours: [],
    watchedLagHours: [],
    unretiredHours: [],
    earlyMinutes: [],
    handshakes: 0,
    extraHandshakes: 0,
    pinUnused: 0,
    liveView: fleet.liveViews.counts,
  };
  const checker = new RolloutChecker(world, r, observedAt);

  for (const cycle of world.cycles) {
    r.cycles += 1;
    const watched = world.targets.filter((t) => !cycle.targets || cycle.targets.includes(t.target.url));
    if (watched.length === 0) continue;
    const observations: Observation[] = [];
    for (const t of watched) {
      const history = histories.get(t.target.url) as TargetHistory;
      observations.push(...probe(t, cycle.real, samplingPlan(history, config)));
    }
    if (options.forgetEvidence) {
      for (const [url, h] of histories) if (h.state) histories.set(url, { ...h, state: { ...h.state, evidence: [] } });
    }
    const notices = fleet.cycle(new Date(cycle.at), observations, {
      urls: watched.map((t) => t.target.url),
      shards: world.shards,
      label: `${world.name} seed ${options.seed} cycle ${r.cycles}`,
    });
    checker.check(notices, observations, cycle.real);
  }
  checker.finish(world.cycles.at(-1)?.real ?? 0);
  return r;

  function probe(t: SimTarget, real: number, plan: ReturnType<typeof samplingPlan>): Observation[] {
    const out: Observation[] = [];
    for (const a of dns.answer(t, real)) {
      for (const k of KEY_TYPES) {
        const samples = samplesFor(plan, k, a.address);
        r.handshakes += samples;
        r.extraHandshakes += samples - 1;
        const seen = new Map<number, number>();
        let unavailable = 0;
        for (let i = 0; i < samples; i++) {
          if (rng.chance(world.failRate)) continue;
          const leaf = leafAt(a.frontends[frontendOf(a, i)], k, real);
          if (leaf === WITHDRAWN) unavailable += 1;
          else seen.set(leaf, (seen.get(leaf) ?? 0) + 1);
        }
        const at = { keyType: k, at: new Date(real) };
        const on = (o: Observation): Observation => ({
          ...o,
          target: t.target.url,
          host: t.target.host,
          mode: 'implicit',
          port: 465,
        });
        if (seen.size > 0) observedAt.set(`${k} ${a.address}`, real);
        if (seen.size === 0) {
          out.push(on(failed(a.address, unavailable > 0 ? 'KEY_TYPE_UNAVAILABLE' : 'CONNECT_TIMEOUT', k)));
          continue;
        }
        for (const [leaf, count] of seen) {
          const o = on({
            ...obs(a.address, [LEAVES[k][leaf], INTERMEDIATE], at),
            ...(count > 1 ? { samples: count } : {}),
          });
          out.push({ ...o, consumerPolicy: pinned(LEAVES[k][leaf].spkiSha256) });
        }
      }
    }
    return out;
  }

  /** The frontend the i-th handshake of this cycle reaches. */
  function frontendOf(a: SimAddress, i: number): number {
    if (a.pick === 'random') return rng.int(a.frontends.length);
    if (i === 0 && (!sticky.has(a.address) || rng.chance(STICKY_REPICK)))
      sticky.set(a.address, rng.int(a.frontends.length));
    return sticky.get(a.address) ?? 0;
  }
}

/** Summary over many seeds of one world. */
export interface RolloutCampaignResult {
  world: string;
  runs: number;
  cycleMinutes: number;
  counts: Record<string, number>;
  violations: Array<{ seed: number; message: string }>;
  flaps: number;
  flapDetails: Array<{ seed: number; message: string }>;
  samplingRetirements: number;
  /** The expected number of flaps among the sampling retirements, as the test predicted them. */
  predictedFlaps: number;
  returns: { rollback: number; flap: number };
  rollbackRaces: number;
  retireLagHours: { median: number; max: number; n: number };
  /** The same from the first cycle that watched after the end of service. */
  watchedLagHours: { median: number; max: number; n: number };
  /** Leaves gone at the end of a run and not retired: how many, and the longest they had been gone (hours). */
  unretired: { n: number; maxHours: number };
  /** RETIREDs before the last frontend switched that nothing contradicted, and by how many minutes at most. */
  early: { n: number; maxMinutes: number };
  /** Handshakes per cycle on average, and those sampling added. */
  handshakesPerCycle: number;
  extraPerCycle: number;
  durationMs: number;
}

/** Runs `runs` seeds of one world from `seed` on. */
export function runRolloutCampaign(
  options: Omit<RolloutSimOptions, 'seed'> & { seed: number; runs: number },
): RolloutCampaignResult {
  const started = performance.now();
  const out: RolloutCampaignResult = {
    world: options.world,
    runs: options.runs,
    cycleMinutes: options.cycleMinutes ?? 15,
    counts: {},
    violations: [],
    flaps: 0,
    flapDetails: [],
    samplingRetirements: 0,
    predictedFlaps: 0,
    returns: { rollback: 0, flap: 0 },
    rollbackRaces: 0,
    retireLagHours: { median: 0, max: 0, n: 0 },
    watchedLagHours: { median: 0, max: 0, n: 0 },
    unretired: { n: 0, maxHours: 0 },
    early: { n: 0, maxMinutes: 0 },
    handshakesPerCycle: 0,
    extraPerCycle: 0,
    durationMs: 0,
  };
  const lags: number[] = [];
  const watchedLags: number[] = [];
  let cycles = 0;
  let handshakes = 0;
  let extra = 0;
  for (let i = 0; i < options.runs; i++) {
    const r = runRolloutSim({ ...options, seed: options.seed + i });
    for (const [type, n] of Object.entries(r.counts)) out.counts[type] = (out.counts[type] ?? 0) + n;
    for (const message of r.violations) out.violations.push({ seed: r.seed, message });
    for (const message of r.flapDetails) out.flapDetails.push({ seed: r.seed, message });
    out.flaps += r.flaps;
    out.samplingRetirements += r.samplingRetirements;
    out.predictedFlaps += r.predicted;
    out.returns.rollback += r.returns.rollback;
    out.returns.flap += r.returns.flap;
    out.rollbackRaces += r.rollbackRaces;
    lags.push(...r.retireLagHours);
    watchedLags.push(...r.watchedLagHours);
    out.unretired.n += r.unretiredHours.length;
    out.unretired.maxHours = Math.max(out.unretired.maxHours, ...r.unretiredHours);
    out.early.n += r.earlyMinutes.length;
    out.early.maxMinutes = Math.max(out.early.maxMinutes, ...r.earlyMinutes.filter(Number.isFinite));
    cycles += r.cycles;
    handshakes += r.handshakes;
    extra += r.extraHandshakes;
  }
  out.retireLagHours = spread(lags);
  out.watchedLagHours = spread(watchedLags);
  out.predictedFlaps = Number(out.predictedFlaps.toPrecision(3));
  out.handshakesPerCycle = Math.round((handshakes / Math.max(1, cycles)) * 100) / 100;
  out.extraPerCycle = Math.round((extra / Math.max(1, cycles)) * 100) / 100;
  out.durationMs = Math.round(performance.now() - started);
  return out;
}

/** Median (the upper one of an even count), max and count of some hours. */
function spread(hours: number[]): { median: number; max: number; n: number } {
  const sorted = [...hours].sort((a, b) => a - b);
  return {
    median: sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0,
    max: sorted.at(-1) ?? 0,
    n: sorted.length,
  };
}
