/**
 * Rollout simulation: a world of frontends (one address each) serving RSA and ECDSA leaves, a rollout
 * that switches them one by one over days, sometimes a rollback, sometimes a frontend leaving DNS; each
 * cycle a DNS answer names 1–2 of them (weighted, every live frontend at least once per `maxGapHours`),
 * and some probes time out. Pure detection on simulated time, checked against the ground truth.
 *
 * Invariants: one NEW_CERTIFICATE per new leaf and key type; at most one RETIRED per disappearance (a
 * RETURNED between two RETIREDs of a leaf); never a RETIRED while a live frontend last observed serving the
 * leaf still serves it (merely unobserved); never a silent return (a retired leaf observed again raises
 * CERTIFICATE_RETURNED in that cycle). Figures: notices per type, flaps (a RETIRED while some live
 * frontend truly still served the leaf: later contradicted), cycles from the last frontend switching away
 * to the RETIRED.
 */
import { detectCycle } from '../../lambdas/core/detect';
import type { TargetHistory } from '../../lambdas/core/history';
import type { Notice, NoticeFactsMap } from '../../lambdas/core/notice';
import type { Cert, KeyType, Observation } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../../lambdas/core/watch-config';
import { cert, failed, INTERMEDIATE, obs, T0, TARGET } from '../unit/detect-fixtures';
import { Rng } from './prng';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KEY_TYPES: readonly KeyType[] = ['rsa', 'ecdsa'];

/** How a run is shaped. */
export interface RolloutSimOptions {
  seed: number;
  days?: number;
  frontends?: number;
  cycleMinutes?: number;
  /** Rollout length in days. */
  rolloutDays?: number;
  /** Whether one rollback happens (default: yes). */
  rollback?: boolean;
  /** Randomised world (frontend count, gaps, a frontend leaving DNS, mid-rollout rollbacks): the fuzz mode. */
  randomWorld?: boolean;
  config?: WatchConfig;
  /**
   * Drops the evidence before each cycle: models the old reading ("not seen this cycle = gone"). Only for
   * showing that the checker catches what that reading does.
   */
  forgetEvidence?: boolean;
}

/** What a run found. */
export interface RolloutSimResult {
  seed: number;
  cycles: number;
  counts: Record<string, number>;
  violations: string[];
  flaps: number;
  /** What each flap was: which frontend still served the leaf, and since when. */
  flapDetails: string[];
  /**
   * RETIREDs while a frontend served the leaf again since its last observation (a rollback on a frontend
   * nobody has looked at since: unknowable, and told by CERTIFICATE_RETURNED once it is observed).
   */
  rollbackRaces: number;
  /** Per non-flap RETIRED: cycles from the last frontend switching away from the leaf to the notice. */
  retireLags: number[];
}

interface Frontend {
  address: string;
  weight: number;
  /** Ground truth: per key type, [from ms, leaf index] steps, sorted. */
  serves: Record<KeyType, Array<[number, number]>>;
  /** When it leaves DNS for good (ms), if it does. */
  leavesAt: number | null;
}

function leafAt(f: Frontend, keyType: KeyType, t: number): number {
  let leaf = 0;
  for (const [from, index] of f.serves[keyType]) if (from <= t) leaf = index;
  return leaf;
}

function buildWorld(
  rng: Rng,
  o: Required<Omit<RolloutSimOptions, 'config' | 'forgetEvidence'>>,
): { frontends: Frontend[]; end: number } {
  const start = T0.getTime();
  const end = start + o.days * DAY;
  const count = o.randomWorld ? rng.range(2, 8) : o.frontends;
  const rolloutStart = start + rng.range(2 * 24, 8 * 24) * HOUR;
  const rolloutDays = o.randomWorld ? rng.range(1, 7) : o.rolloutDays;
  const frontends: Frontend[] = [];
  for (let i = 0; i < count; i++) {
    const switchAt = rolloutStart + rng.int(rolloutDays * 24) * HOUR + rng.int(60) * 60_000;
    const serves = {} as Frontend['serves'];
    for (const k of KEY_TYPES) {
      serves[k] = [
        [start, 0],
        [switchAt + (k === 'rsa' ? 0 : rng.int(6) * HOUR), 1],
      ];
    }
    frontends.push({
      address: `198.51.100.${i + 1}`,
      weight: o.randomWorld ? rng.pick([0.2, 0.5, 1, 2, 4]) : [4, 3, 2, 1, 0.5, 0.25][i % 6],
      serves,
      leavesAt: null,
    });
  }
  const rolloutEnd = Math.max(...frontends.map((f) => f.serves.rsa[1][0]));
  if (o.rollback) {
    // One rollback: 1–2 frontends go back to the old leaves for 6–36 h, then forward again.
    const midRollout = o.randomWorld && rng.chance(0.5);
    const at = midRollout ? rolloutStart + rng.int(rolloutDays * 24) * HOUR : rolloutEnd + rng.range(12, 72) * HOUR;
    const back = at + rng.range(6, 36) * HOUR;
    for (const f of rng.shuffle(frontends).slice(0, rng.range(1, 2))) {
      for (const k of KEY_TYPES) {
        if (leafAt(f, k, at) !== 1) continue;
        f.serves[k].push([at, 0], [back, 1]);
        f.serves[k].sort((a, b) => a[0] - b[0]);
      }
    }
  }
  if (o.randomWorld && count > 2 && rng.chance(0.4)) {
    // A frontend leaves DNS for good (while it may still serve the old leaf).
    rng.pick(frontends).leavesAt = start + rng.int(o.days * 24) * HOUR;
  }
  return { frontends, end };
}

const LEAVES: Record<KeyType, Cert[]> = {
  rsa: [
    cert('sim-rsa-old', { from: -30, to: 60, keyAlgorithm: 'RSA 2048' }),
    cert('sim-rsa-new', { from: 1, to: 91, keyAlgorithm: 'RSA 2048' }),
  ],
  ecdsa: [cert('sim-ecdsa-old', { from: -30, to: 60 }), cert('sim-ecdsa-new', { from: 1, to: 91 })],
};
const NAME = new Map(KEY_TYPES.flatMap((k) => LEAVES[k].map((c, i) => [c.sha256, `${k}#${i}`] as const)));

/** Runs one seeded simulation. */
export function runRolloutSim(options: RolloutSimOptions): RolloutSimResult {
  const o = {
    days: 30,
    frontends: 6,
    cycleMinutes: 15,
    rolloutDays: 5,
    rollback: true,
    randomWorld: false,
    ...options,
  };
  const config = options.config ?? DEFAULT_WATCH_CONFIG;
  const rng = Rng.for(o.seed, 'rollout-sim', o.randomWorld ? 'fuzz' : 'google');
  const { frontends, end } = buildWorld(rng, o);
  const maxGapHours = o.randomWorld ? rng.range(2, 22) : 22;
  const step = o.cycleMinutes * 60_000;
  const lastSeenAt = new Map<string, number>();
  /** Per address × key type, the leaf of its last observation. */
  const lastObserved = new Map<string, number>();
  let history: TargetHistory = { state: null, certs: [] };
  const counts: Record<string, number> = {};
  const violations: string[] = [];
  const retiredNow = new Set<string>();
  const newCount = new Map<string, number>();
  const retireLags: number[] = [];
  let flaps = 0;
  const flapDetails: string[] = [];
  let rollbackRaces = 0;
  let cycles = 0;

  for (let t = T0.getTime(); t < end; t += step) {
    cycles += 1;
    const live = frontends.filter((f) => f.leavesAt === null || f.leavesAt > t);
    const due = live.filter((f) => t - (lastSeenAt.get(f.address) ?? t) >= maxGapHours * HOUR);
    const picked = new Set(due.slice(0, 2));
    const size = rng.chance(0.5) ? 1 : 2;
    while (picked.size < Math.min(size, live.length)) picked.add(rng.weighted(live.map((f) => [f, f.weight] as const)));
    const observations: Observation[] = [];
    for (const f of picked) {
      lastSeenAt.set(f.address, t);
      for (const k of KEY_TYPES) {
        if (rng.chance(0.04)) {
          observations.push(failed(f.address, rng.pick(['CONNECT_TIMEOUT', 'TLS_HANDSHAKE_FAILED'] as const), k));
          continue;
        }
        const leaf = leafAt(f, k, t);
        lastObserved.set(`${k} ${f.address}`, leaf);
        observations.push(obs(f.address, [LEAVES[k][leaf], INTERMEDIATE], { keyType: k, at: new Date(t) }));
      }
    }
    const now = new Date(t);
    if (options.forgetEvidence && history.state) history = { ...history, state: { ...history.state, evidence: [] } };
    const result = detectCycle({
      targets: [TARGET],
      histories: new Map([[TARGET.url, history]]),
      observations,
      now,
      config,
    });
    const [d] = result.targets;
    const certs = new Map(history.certs.map((c) => [c.sha256, c]));
    for (const c of d.changedCerts) certs.set(c.sha256, { ...c, rev: c.rev + 1 });
    history = { state: { ...d.state, version: d.state.version + 1 }, certs: [...certs.values()] };
    check(result.notices, observations, t);
  }
  for (const k of KEY_TYPES) {
    if ((newCount.get(LEAVES[k][1].sha256) ?? 0) !== 1) {
      violations.push(`NEW_CERTIFICATE for ${k}#1 raised ${newCount.get(LEAVES[k][1].sha256) ?? 0} times, not once`);
    }
  }
  return { seed: o.seed, cycles, counts, violations, flaps, flapDetails, rollbackRaces, retireLags };

  function check(notices: readonly Notice[], observations: readonly Observation[], t: number): void {
    const when = new Date(t).toISOString();
    const returned = new Set<string>();
    for (const n of notices) {
      counts[n.type] = (counts[n.type] ?? 0) + 1;
      if (n.type === 'NEW_CERTIFICATE') {
        const sha = (n.facts as NoticeFactsMap['NEW_CERTIFICATE']).cert.sha256;
        newCount.set(sha, (newCount.get(sha) ?? 0) + 1);
        if ((newCount.get(sha) ?? 0) > 1) violations.push(`${when}: second NEW_CERTIFICATE for ${NAME.get(sha)}`);
      }
      if (n.type === 'CERTIFICATE_RETURNED') {
        const sha = (n.facts as NoticeFactsMap['CERTIFICATE_RETURNED']).cert.sha256;
        if (!retiredNow.delete(sha)) violations.push(`${when}: RETURNED for ${NAME.get(sha)}, which was not retired`);
        returned.add(sha);
      }
      if (n.type === 'CERTIFICATE_RETIRED') {
        const f = n.facts as NoticeFactsMap['CERTIFICATE_RETIRED'];
        retired(f.cert.sha256, f.keyType, t, when);
      }
    }
    for (const o of observations) {
      const sha = o.ok ? o.chain[0].sha256 : null;
      if (sha && retiredNow.has(sha) && !returned.has(sha)) {
        violations.push(`${when}: ${NAME.get(sha)} served again on ${o.address} without CERTIFICATE_RETURNED`);
        retiredNow.delete(sha);
      }
    }
  }

  function retired(sha: string, keyType: KeyType, t: number, when: string): void {
    if (retiredNow.has(sha)) violations.push(`${when}: second RETIRED for ${NAME.get(sha)} without a return between`);
    retiredNow.add(sha);
    const leaf = LEAVES[keyType].findIndex((c) => c.sha256 === sha);
    const live = frontends.filter((f) => f.leavesAt === null || f.leavesAt > t);
    const stillServing = live.filter((f) => leafAt(f, keyType, t) === leaf);
    for (const f of stillServing) {
      if (lastObserved.get(`${keyType} ${f.address}`) === leaf) {
        violations.push(`${when}: RETIRED ${NAME.get(sha)} while ${f.address}, last observed serving it, still does`);
      }
    }
    if (stillServing.length > 0) {
      const sinceOf = (f: Frontend) =>
        [...f.serves[keyType]].reverse().find(([from, index]) => from <= t && index === leaf)?.[0] ?? 0;
      const unknowable = stillServing.every(
        (f) => sinceOf(f) > (lastSeenAt.get(f.address) ?? 0) && sinceOf(f) > T0.getTime(),
      );
      if (unknowable) {
        rollbackRaces += 1;
        return;
      }
      flaps += 1;
      for (const f of stillServing) {
        const since = sinceOf(f);
        const seen = lastSeenAt.get(f.address);
        flapDetails.push(
          `${when}: RETIRED ${NAME.get(sha)} while ${f.address} serves it since ${new Date(since).toISOString()} ` +
            `(last observed ${seen ? new Date(seen).toISOString() : 'never'}, showing ${NAME.get(LEAVES[keyType][lastObserved.get(`${keyType} ${f.address}`) ?? 0].sha256)})`,
        );
      }
      return;
    }
    // Ground truth: when did the last frontend stop serving it?
    let lastOff = 0;
    for (const f of frontends) {
      const steps = f.serves[keyType];
      for (let i = 0; i < steps.length; i++) {
        if (steps[i][1] === leaf && i + 1 < steps.length && steps[i + 1][0] <= t)
          lastOff = Math.max(lastOff, steps[i + 1][0]);
      }
      if (f.leavesAt !== null && f.leavesAt <= t && leafAt(f, keyType, f.leavesAt) === leaf) {
        lastOff = Math.max(lastOff, f.leavesAt);
      }
    }
    if (lastOff > 0) retireLags.push(Math.ceil((t - lastOff) / step));
  }
}

/** Summary over many seeds. */
export interface RolloutCampaignResult {
  runs: number;
  counts: Record<string, number>;
  violations: Array<{ seed: number; message: string }>;
  flaps: number;
  rollbackRaces: number;
  flapDetails: Array<{ seed: number; message: string }>;
  retireLag: { median: number; max: number; n: number };
  durationMs: number;
}

/** Runs `runs` seeds from `seed` on. */
export function runRolloutCampaign(
  options: Omit<RolloutSimOptions, 'seed'> & { seed: number; runs: number },
): RolloutCampaignResult {
  const started = performance.now();
  const counts: Record<string, number> = {};
  const violations: RolloutCampaignResult['violations'] = [];
  const lags: number[] = [];
  let flaps = 0;
  let rollbackRaces = 0;
  const flapDetails: RolloutCampaignResult['flapDetails'] = [];
  for (let i = 0; i < options.runs; i++) {
    const r = runRolloutSim({ ...options, seed: options.seed + i });
    for (const [type, n] of Object.entries(r.counts)) counts[type] = (counts[type] ?? 0) + n;
    for (const message of r.violations) violations.push({ seed: r.seed, message });
    flaps += r.flaps;
    rollbackRaces += r.rollbackRaces;
    for (const message of r.flapDetails) flapDetails.push({ seed: r.seed, message });
    lags.push(...r.retireLags);
  }
  lags.sort((a, b) => a - b);
  return {
    runs: options.runs,
    counts,
    violations,
    flaps,
    rollbackRaces,
    flapDetails,
    retireLag: { median: lags.length ? lags[Math.floor(lags.length / 2)] : 0, max: lags.at(-1) ?? 0, n: lags.length },
    durationMs: Math.round(performance.now() - started),
  };
}
