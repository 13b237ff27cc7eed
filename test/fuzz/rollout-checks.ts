/**
 * The simulator's checks of every notice against the ground truth (rollout-truth.ts): invariants (one
 * NEW_CERTIFICATE per new leaf and key type, a RETURNED between two RETIREDs of a leaf, never a silent
 * return, at most one ROLLOUT_PROGRESS per leaf and day and never before its NEW_CERTIFICATE, RETIRED
 * naming every host that served the leaf, PIN_UNUSED never while it is served, KEY_TYPE_WITHDRAWN once per
 * withdrawal) and figures (flaps, early retirements, rollback races, lags, the test's predictions).
 */
import type { Notice, NoticeFactsMap } from '../../lambdas/core/notice';
import type { KeyType, Observation } from '../../lambdas/core/observation';
import { lastServed, servedEver, servedUntil, servingNow, servingSince, withdrawnAt } from './rollout-truth';
import { HOUR, KEY_TYPES, LEAF_NAME, LEAVES, type World } from './rollout-worlds';

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
   * The same, from the first cycle that watched the target after that end (a pause of the watcher or a
   * removal over the end of service is no lag of the model).
   */
  watchedLagHours: number[];
  /** Leaves gone from every frontend at the end of the run and not retired: hours since each was last served. */
  unretiredHours: number[];
  /**
   * RETIREDs while a frontend still served the leaf that nothing contradicted (the watcher never saw it
   * again before the last frontend switched): minutes each came before the end of service.
   */
  earlyMinutes: number[];
  handshakes: number;
  extraHandshakes: number;
  /** PIN_UNUSED notices (each checked: the leaf served nowhere then). */
  pinUnused: number;
  /** Cycles × targets read through the store's live view, and of those with fewer records than the history. */
  liveView: { viewed: number; smaller: number };
}

/** Checks one run's notices as they come. */
export class RolloutChecker {
  private readonly newCount = new Map<string, number>();
  private readonly withdrawnCount = new Map<KeyType, number>();
  private readonly progressDays = new Set<string>();
  /**
   * Retired leaves (by fingerprint): until when the world still served it then (null: it did not), and what
   * to say should an observation contradict the retirement (a flap).
   */
  private readonly retired = new Map<string, { until: number | null; detail: string; at: number }>();
  /** The world's times of the cycles that watched some target, in order. */
  private readonly watched: number[] = [];

  /** `observedAt`: when each key type × address last completed a handshake (the simulated prober keeps it). */
  constructor(
    private readonly world: World,
    private readonly r: RolloutSimResult,
    private readonly observedAt: ReadonlyMap<string, number>,
  ) {}

  /** Checks a cycle's notices and observations at the world's time `real`. */
  check(notices: readonly Notice[], observations: readonly Observation[], real: number): void {
    const when = new Date(real).toISOString();
    if (this.watched.length === 0 || real > (this.watched.at(-1) ?? 0)) this.watched.push(real);
    const returned = new Set<string>();
    for (const n of notices) {
      this.r.counts[n.type] = (this.r.counts[n.type] ?? 0) + 1;
      if (n.type === 'NEW_CERTIFICATE') {
        const sha = (n.facts as NoticeFactsMap['NEW_CERTIFICATE']).cert.sha256;
        this.newCount.set(sha, (this.newCount.get(sha) ?? 0) + 1);
        if ((this.newCount.get(sha) ?? 0) > 1)
          this.r.violations.push(`${when}: second NEW_CERTIFICATE for ${LEAF_NAME.get(sha)}`);
      }
      if (n.type === 'CERTIFICATE_RETURNED') {
        const sha = (n.facts as NoticeFactsMap['CERTIFICATE_RETURNED']).cert.sha256;
        const entry = this.retired.get(sha);
        if (entry === undefined)
          this.r.violations.push(`${when}: RETURNED for ${LEAF_NAME.get(sha)}, which was not retired`);
        else if (entry.until !== null && real < entry.until) {
          // Seen again while the this.world still served it since before the retirement: contradicted.
          this.r.flaps += 1;
          this.r.flapDetails.push(entry.detail);
          this.r.returns.flap += 1;
        } else {
          if (entry.until !== null) this.r.earlyMinutes.push(Math.round((entry.until - entry.at) / 60_000));
          this.r.returns.rollback += 1;
        }
        this.retired.delete(sha);
        returned.add(sha);
      }
      if (n.type === 'CERTIFICATE_RETIRED') this.onRetired(n as Notice<'CERTIFICATE_RETIRED'>, real, when);
      if (n.type === 'ROLLOUT_PROGRESS') {
        const f = n.facts as NoticeFactsMap['ROLLOUT_PROGRESS'];
        const key = `${f.cert.sha256} ${when.slice(0, 10)}`;
        if (this.progressDays.has(key))
          this.r.violations.push(`${when}: second ROLLOUT_PROGRESS for ${LEAF_NAME.get(f.cert.sha256)} today`);
        this.progressDays.add(key);
        if ((this.newCount.get(f.cert.sha256) ?? 0) === 0) {
          this.r.violations.push(
            `${when}: ROLLOUT_PROGRESS for ${LEAF_NAME.get(f.cert.sha256)} before its NEW_CERTIFICATE`,
          );
        }
      }
      if (n.type === 'PIN_UNUSED') {
        const f = n.facts as NoticeFactsMap['PIN_UNUSED'];
        const leaf = LEAVES[f.keyType].findIndex((c) => c.sha256 === f.retired.sha256);
        this.r.pinUnused += 1;
        if (servingNow(this.world, f.keyType, leaf, real).length > 0) {
          this.r.violations.push(`${when}: PIN_UNUSED for ${LEAF_NAME.get(f.retired.sha256)} while it is served`);
        }
      }
      if (n.type === 'KEY_TYPE_WITHDRAWN') {
        const k = (n.facts as NoticeFactsMap['KEY_TYPE_WITHDRAWN']).keyType;
        this.withdrawnCount.set(k, (this.withdrawnCount.get(k) ?? 0) + 1);
      }
    }
    for (const o of observations) {
      const sha = o.ok ? o.chain[0].sha256 : null;
      if (sha && this.retired.has(sha) && !returned.has(sha)) {
        this.r.violations.push(
          `${when}: ${LEAF_NAME.get(sha)} served again on ${o.address} without CERTIFICATE_RETURNED`,
        );
        this.retired.delete(sha);
      }
    }
  }

  private onRetired(n: Notice<'CERTIFICATE_RETIRED'>, real: number, when: string): void {
    const { cert, keyType, evidence } = n.facts;
    if (this.retired.has(cert.sha256))
      this.r.violations.push(`${when}: second RETIRED for ${LEAF_NAME.get(cert.sha256)} without a return between`);
    const leaf = LEAVES[keyType].findIndex((c) => c.sha256 === cert.sha256);
    const servedBy = this.world.targets
      .filter((t) =>
        t.addresses.some((a) =>
          a.frontends.some((f) => f.serves[keyType].some(([from, l]) => l === leaf && from <= real)),
        ),
      )
      .map((t) => t.target.host)
      .sort();
    if ([...n.hosts].sort().join() !== servedBy.join()) {
      this.r.violations.push(
        `${when}: RETIRED ${LEAF_NAME.get(cert.sha256)} names hosts ${n.hosts.join(', ')}, not every host that served it`,
      );
    }
    if (evidence?.rule === 'sampling') {
      this.r.samplingRetirements += 1;
      this.r.predicted += evidence.predicted;
    }
    const serving = servingNow(this.world, keyType, leaf, real);
    this.retired.set(cert.sha256, { until: null, detail: '', at: real });
    const unseen = (address: string) =>
      (servingSince(this.world, address, keyType, leaf, real) ?? 0) >
      (this.observedAt.get(`${keyType} ${address}`) ?? 0);
    if (serving.length > 0 && serving.every(unseen)) {
      this.r.rollbackRaces += 1;
      return;
    }
    if (serving.length > 0) {
      // Early: a flap if the watcher sees it again before the this.world stops serving it.
      this.retired.set(cert.sha256, {
        until: servedUntil(this.world, keyType, leaf, real),
        detail: `${when}: RETIRED ${LEAF_NAME.get(cert.sha256)} (${evidence?.rule}) while ${serving.join(', ')} serve it`,
        at: real,
      });
      return;
    }
    const end = lastServed(this.world, keyType, leaf, real);
    if (end === null) return;
    this.r.retireLagHours.push(Math.round(((real - end) / HOUR) * 10) / 10);
    const resumed = this.watched.find((t) => t >= end) ?? real;
    this.r.watchedLagHours.push(Math.round(((real - resumed) / HOUR) * 10) / 10);
  }

  /** The checks at the end of the run (`end`: its last cycle's time). */
  finish(end: number): void {
    for (const entry of this.retired.values()) {
      if (entry.until !== null) this.r.earlyMinutes.push(Math.round((entry.until - entry.at) / 60_000));
    }
    for (const k of KEY_TYPES) {
      const at = withdrawnAt(this.world, k);
      const got = this.withdrawnCount.get(k) ?? 0;
      // Withdrawn everywhere for more than the stale window (48 h) and a margin: exactly one notice.
      if (at === null ? got !== 0 : end - at > 60 * HOUR ? got !== 1 : got > 1) {
        this.r.violations.push(
          `KEY_TYPE_WITHDRAWN for ${k} raised ${got} times (withdrawn ${at === null ? 'never' : new Date(at).toISOString()})`,
        );
      }
    }
    for (const k of KEY_TYPES) {
      for (const [leaf, cert] of LEAVES[k].entries()) {
        if (!servedEver(this.world, k, leaf) || servingNow(this.world, k, leaf, end).length > 0) continue;
        if (this.retired.has(cert.sha256)) continue;
        const last = lastServed(this.world, k, leaf, end) ?? end;
        this.r.unretiredHours.push(Math.round(((end - last) / HOUR) * 10) / 10);
      }
    }
    for (const k of KEY_TYPES) {
      const expected = servedEver(this.world, k, 1) ? 1 : 0;
      const got = this.newCount.get(LEAVES[k][1].sha256) ?? 0;
      if (got !== expected) this.r.violations.push(`NEW_CERTIFICATE for ${k}#1 raised ${got} times, not ${expected}`);
    }
  }
}
