/**
 * Rollout simulation: the worlds of rollout-worlds.ts watched by the real detection on simulated time,
 * each cycle's handshakes drawn from the frontends (as many per address as the sampling plan asks), the
 * notices checked against the ground truth.
 *
 * Invariants: one NEW_CERTIFICATE per new leaf and key type; a RETURNED between two RETIREDs of a leaf;
 * never a silent return (a retired leaf observed again raises CERTIFICATE_RETURNED in that cycle).
 * Figures: notices per type; flaps (a RETIRED contradicted: the watcher sees the leaf again while the world
 * still serves it since before the retirement), with the false-retirement probability the sampling test
 * predicted beside them; early retirements nothing contradicted (minutes before the last frontend switched); RETURNEDs that
 * follow a real rollback and those that follow a flap; hours from the true end of service to the RETIRED;
 * handshakes per cycle, and those sampling added.
 */
import { detectCycle } from '../../lambdas/core/detect';
import { samplesFor, samplingPlan } from '../../lambdas/core/detect/sampling';
import type { TargetHistory } from '../../lambdas/core/history';
import type { Notice, NoticeFactsMap } from '../../lambdas/core/notice';
import type { KeyType, Observation } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../../lambdas/core/watch-config';
import { LiveViews } from '../support/live-view-check';
import { failed, INTERMEDIATE, obs } from '../unit/detect-fixtures';
import { Rng } from './prng';
import {
  HOUR,
  KEY_TYPES,
  LEAF_NAME,
  LEAVES,
  leafAt,
  type SimAddress,
  type SimTarget,
  WITHDRAWN,
  WORLDS,
  type World,
} from './rollout-worlds';

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

/** What a run found. */
export interface RolloutSimResult {
  world: string;
  seed: number;
  cycles: number;
  counts: Record<string, number>;
  violations: string[];
  flaps: number;
  flapDetails: string[];
  /** Retirements decided on sampling evidence, and the false-retirement probability predicted for them. */
  samplingRetirements: number;
  predicted: number;
  /** RETURNEDs after a real rollback, and after a flap. */
  returns: { rollback: number; flap: number };
  /**
   * RETIREDs while frontends serve the leaf again since after their address was last observed (a rollback
   * nobody has looked at yet: unknowable, told by CERTIFICATE_RETURNED once it is observed); no flaps.
   */
  rollbackRaces: number;
  /** Per RETIRED that was no flap: hours from the last frontend serving the leaf to the notice. */
  retireLagHours: number[];
  /**
   * RETIREDs while a frontend still served the leaf that nothing contradicted (the watcher never saw it
   * again before the last frontend switched): minutes each came before the end of service.
   */
  earlyMinutes: number[];
  handshakes: number;
  extraHandshakes: number;
  /** Cycles × targets read through the store's live view, and of those with fewer records than the history. */
  liveView: { viewed: number; smaller: number };
}

/** Runs one seeded world. */
export function runRolloutSim(options: RolloutSimOptions): RolloutSimResult {
  const build = WORLDS[options.world];
  if (!build) throw new Error(`no world "${options.world}"`);
  const world = build(options.seed, options.cycleMinutes ?? 15);
  const config = options.config ?? DEFAULT_WATCH_CONFIG;
  const rng = Rng.for(options.seed, 'rollout-sim', world.name);
  const histories = new Map<string, TargetHistory>(
    world.targets.map((t) => [t.target.url, { state: null, certs: [] }]),
  );
  const views = new LiveViews();
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
    earlyMinutes: [],
    handshakes: 0,
    extraHandshakes: 0,
    liveView: views.counts,
  };
  const newCount = new Map<string, number>();
  const withdrawnCount = new Map<KeyType, number>();
  /**
   * Retired leaves (by fingerprint): until when the world still served it then (null: it did not), and what
   * to say should an observation contradict the retirement (a flap).
   */
  const retired = new Map<string, { until: number | null; detail: string; at: number }>();

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
    // Detection also on the live views the store would read through, checked to decide alike.
    const { result, viewed } = views.detect(
      histories,
      observations,
      (read) =>
        detectCycle({
          targets: watched.map((t) => t.target),
          histories: read,
          observations,
          now: new Date(cycle.at),
          config,
        }),
      `${world.name} seed ${options.seed} cycle ${r.cycles}`,
    );
    for (const d of result.targets) {
      const before = histories.get(d.target) as TargetHistory;
      const certs = new Map(before.certs.map((c) => [c.sha256, c]));
      for (const c of d.changedCerts) certs.set(c.sha256, { ...c, rev: c.rev + 1 });
      const after = { state: { ...d.state, version: d.state.version + 1 }, certs: [...certs.values()] };
      histories.set(d.target, after);
      views.saved(d.target, after, d.changedCerts.length, viewed.has(d.target));
    }
    check(result.notices, observations, cycle.real);
  }
  for (const entry of retired.values()) {
    if (entry.until !== null) r.earlyMinutes.push(Math.round((entry.until - entry.at) / 60_000));
  }
  const end = world.cycles.at(-1)?.real ?? 0;
  for (const k of KEY_TYPES) {
    const at = withdrawnAt(world, k);
    const got = withdrawnCount.get(k) ?? 0;
    // Withdrawn everywhere for more than the stale window (48 h) and a margin: exactly one notice.
    if (at === null ? got !== 0 : end - at > 60 * HOUR ? got !== 1 : got > 1) {
      r.violations.push(
        `KEY_TYPE_WITHDRAWN for ${k} raised ${got} times (withdrawn ${at === null ? 'never' : new Date(at).toISOString()})`,
      );
    }
  }
  for (const k of KEY_TYPES) {
    const expected = servedEver(world, k, 1) ? 1 : 0;
    const got = newCount.get(LEAVES[k][1].sha256) ?? 0;
    if (got !== expected) r.violations.push(`NEW_CERTIFICATE for ${k}#1 raised ${got} times, not ${expected}`);
  }
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
          out.push(
            on({ ...obs(a.address, [LEAVES[k][leaf], INTERMEDIATE], at), ...(count > 1 ? { samples: count } : {}) }),
          );
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

  function check(notices: readonly Notice[], observations: readonly Observation[], real: number): void {
    const when = new Date(real).toISOString();
    const returned = new Set<string>();
    for (const n of notices) {
      r.counts[n.type] = (r.counts[n.type] ?? 0) + 1;
      if (n.type === 'NEW_CERTIFICATE') {
        const sha = (n.facts as NoticeFactsMap['NEW_CERTIFICATE']).cert.sha256;
        newCount.set(sha, (newCount.get(sha) ?? 0) + 1);
        if ((newCount.get(sha) ?? 0) > 1)
          r.violations.push(`${when}: second NEW_CERTIFICATE for ${LEAF_NAME.get(sha)}`);
      }
      if (n.type === 'CERTIFICATE_RETURNED') {
        const sha = (n.facts as NoticeFactsMap['CERTIFICATE_RETURNED']).cert.sha256;
        const entry = retired.get(sha);
        if (entry === undefined)
          r.violations.push(`${when}: RETURNED for ${LEAF_NAME.get(sha)}, which was not retired`);
        else if (entry.until !== null && real < entry.until) {
          // Seen again while the world still served it since before the retirement: contradicted.
          r.flaps += 1;
          r.flapDetails.push(entry.detail);
          r.returns.flap += 1;
        } else {
          if (entry.until !== null) r.earlyMinutes.push(Math.round((entry.until - entry.at) / 60_000));
          r.returns.rollback += 1;
        }
        retired.delete(sha);
        returned.add(sha);
      }
      if (n.type === 'CERTIFICATE_RETIRED') onRetired(n as Notice<'CERTIFICATE_RETIRED'>, real, when);
      if (n.type === 'KEY_TYPE_WITHDRAWN') {
        const k = (n.facts as NoticeFactsMap['KEY_TYPE_WITHDRAWN']).keyType;
        withdrawnCount.set(k, (withdrawnCount.get(k) ?? 0) + 1);
      }
    }
    for (const o of observations) {
      const sha = o.ok ? o.chain[0].sha256 : null;
      if (sha && retired.has(sha) && !returned.has(sha)) {
        r.violations.push(`${when}: ${LEAF_NAME.get(sha)} served again on ${o.address} without CERTIFICATE_RETURNED`);
        retired.delete(sha);
      }
    }
  }

  function onRetired(n: Notice<'CERTIFICATE_RETIRED'>, real: number, when: string): void {
    const { cert, keyType, evidence } = n.facts;
    if (retired.has(cert.sha256))
      r.violations.push(`${when}: second RETIRED for ${LEAF_NAME.get(cert.sha256)} without a return between`);
    const leaf = LEAVES[keyType].findIndex((c) => c.sha256 === cert.sha256);
    if (evidence?.rule === 'sampling') {
      r.samplingRetirements += 1;
      r.predicted += evidence.predicted;
    }
    const serving = servingNow(world, keyType, leaf, real);
    retired.set(cert.sha256, { until: null, detail: '', at: real });
    const unseen = (address: string) =>
      (servingSince(world, address, keyType, leaf, real) ?? 0) > (observedAt.get(`${keyType} ${address}`) ?? 0);
    if (serving.length > 0 && serving.every(unseen)) {
      r.rollbackRaces += 1;
      return;
    }
    if (serving.length > 0) {
      // Early: a flap if the watcher sees it again before the world stops serving it.
      retired.set(cert.sha256, {
        until: servedUntil(world, keyType, leaf, real),
        detail: `${when}: RETIRED ${LEAF_NAME.get(cert.sha256)} (${evidence?.rule}) while ${serving.join(', ')} serve it`,
        at: real,
      });
      return;
    }
    const end = lastServed(world, keyType, leaf, real);
    if (end !== null) r.retireLagHours.push(Math.round(((real - end) / HOUR) * 10) / 10);
  }
}

/** DNS answers: every live address, or 1–2 weighted ones with each live address at least once per max gap. */
class DnsAnswers {
  private readonly named = new Map<string, number>();
  constructor(private readonly rng: Rng) {}

  answer(t: SimTarget, real: number): SimAddress[] {
    const live = t.addresses.filter((a) => a.leavesAt === null || a.leavesAt > real);
    if (t.dns === 'all') return live;
    const gap = t.dns.maxGapHours * HOUR;
    const due = live.filter((a) => real - (this.named.get(a.address) ?? real) >= gap);
    const picked = new Set(due.slice(0, 2));
    const size = this.rng.chance(0.5) ? 1 : 2;
    while (picked.size < Math.min(size, live.length))
      picked.add(this.rng.weighted(live.map((a) => [a, a.dnsWeight] as const)));
    for (const a of picked) this.named.set(a.address, real);
    return [...picked];
  }
}

/** The live addresses (target address) whose frontends include one serving `leaf` at `t`. */
export function servingNow(world: World, keyType: KeyType, leaf: number, t: number): string[] {
  return world.targets.flatMap((target) =>
    target.addresses
      .filter((a) => (a.leavesAt === null || a.leavesAt > t) && a.frontends.some((f) => leafAt(f, keyType, t) === leaf))
      .map((a) => a.address),
  );
}

/** Until when (ms) the world serves `leaf` without a break from `t`: the first step after which no live frontend does. */
function servedUntil(world: World, keyType: KeyType, leaf: number, t: number): number {
  const times = new Set<number>();
  for (const target of world.targets) {
    for (const a of target.addresses) {
      if (a.leavesAt !== null && a.leavesAt > t) times.add(a.leavesAt);
      for (const f of a.frontends) for (const [from] of f.serves[keyType]) if (from > t) times.add(from);
    }
  }
  for (const at of [...times].sort((x, y) => x - y)) if (servingNow(world, keyType, leaf, at).length === 0) return at;
  return Number.POSITIVE_INFINITY;
}

/** Since when some frontend of `address` serves `leaf` without a break, at `t` (ms); null when none does. */
function servingSince(world: World, address: string, keyType: KeyType, leaf: number, t: number): number | null {
  let since: number | null = null;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      if (a.address !== address) continue;
      for (const f of a.frontends) {
        const step = [...f.serves[keyType]].reverse().find(([from]) => from <= t);
        if (step && step[1] === leaf && (since === null || step[0] < since)) since = step[0];
      }
    }
  }
  return since;
}

/** When `leaf` was last served by a live address before `t` (ms), or null when never. */
function lastServed(world: World, keyType: KeyType, leaf: number, t: number): number | null {
  let last: number | null = null;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      for (const f of a.frontends) {
        const steps = f.serves[keyType];
        for (let i = 0; i < steps.length; i++) {
          if (steps[i][1] !== leaf || steps[i][0] > t) continue;
          const end = Math.min(steps[i + 1]?.[0] ?? t, a.leavesAt ?? t, t);
          if (last === null || end > last) last = end;
        }
      }
    }
  }
  return last;
}

/** When the last frontend stopped offering a key type for good (ms), or null when some still offers it. */
function withdrawnAt(world: World, keyType: KeyType): number | null {
  let at = 0;
  for (const target of world.targets) {
    for (const a of target.addresses) {
      for (const f of a.frontends) {
        const last = f.serves[keyType].at(-1);
        if (!last || last[1] !== WITHDRAWN) return null;
        at = Math.max(at, last[0]);
      }
    }
  }
  return at;
}

function servedEver(world: World, keyType: KeyType, leaf: number): boolean {
  return world.targets.some((t) =>
    t.addresses.some((a) => a.frontends.some((f) => f.serves[keyType].some(([, l]) => l === leaf))),
  );
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
    early: { n: 0, maxMinutes: 0 },
    handshakesPerCycle: 0,
    extraPerCycle: 0,
    durationMs: 0,
  };
  const lags: number[] = [];
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
    out.early.n += r.earlyMinutes.length;
    out.early.maxMinutes = Math.max(out.early.maxMinutes, ...r.earlyMinutes.filter(Number.isFinite));
    cycles += r.cycles;
    handshakes += r.handshakes;
    extra += r.extraHandshakes;
  }
  lags.sort((a, b) => a - b);
  out.retireLagHours = {
    median: lags.length ? lags[Math.floor(lags.length / 2)] : 0,
    max: lags.at(-1) ?? 0,
    n: lags.length,
  };
  out.predictedFlaps = Number(out.predictedFlaps.toPrecision(3));
  out.handshakesPerCycle = Math.round((handshakes / Math.max(1, cycles)) * 100) / 100;
  out.extraPerCycle = Math.round((extra / Math.max(1, cycles)) * 100) / 100;
  out.durationMs = Math.round(performance.now() - started);
  return out;
}
