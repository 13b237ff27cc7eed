/**
 * Several targets watched by the real detection, with the run's settlement of leaf notices across targets
 * (core/detect/settle.ts) as lambdas/run does it: a whole cycle settles its notices against every target's
 * records as the cycle leaves them; a cycle cut into shards saves each shard's history, leaves the shards'
 * notices about leaves to the merge step, which merges them over every shard and settles them against
 * what the shards stored. Histories live in memory, folded as the store folds them, with the store's live
 * view beside them: every detection that would read through a view runs on the view and on the whole
 * history and throws when they differ (test/support/live-view-check.ts). Test support (the rollout
 * simulator, the settlement tests).
 */
import { baselineNotices, type DetectTarget, detectCycle } from '../../lambdas/core/detect';
import {
  type LeafAtTarget,
  leafAtTarget,
  mergeTargetNotices,
  SETTLED_TYPES,
  settledLeaf,
  settleLeafEvents,
} from '../../lambdas/core/detect/settle';
import type { CertRecord, TargetHistory } from '../../lambdas/core/history';
import type { Notice } from '../../lambdas/core/notice';
import type { Observation } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../../lambdas/core/watch-config';
import { LiveViews } from '../support/live-view-check';

/** Targets with histories, watched cycle after cycle. */
export class SettledFleet {
  readonly histories = new Map<string, TargetHistory>();
  readonly log: Notice[][] = [];
  /** The targets' live views, and how many detections read through one. */
  readonly liveViews = new LiveViews();
  /** The outbox's dedupe keys: a notice whose key is recorded already is not recorded (nor published) again. */
  private readonly recorded = new Set<string>();

  constructor(
    private readonly targets: readonly DetectTarget[],
    private readonly config: WatchConfig = DEFAULT_WATCH_CONFIG,
  ) {
    for (const t of targets) this.histories.set(t.url, { state: null, certs: [] });
  }

  /**
   * One cycle over `urls` (default every target), in `shards` shards (1 = one cycle); `label` names the
   * cycle in a live-view mismatch.
   */
  cycle(
    now: Date,
    observations: readonly Observation[],
    options: { urls?: readonly string[]; shards?: number; label?: string } = {},
  ) {
    const watched = this.targets.filter((t) => !options.urls || options.urls.includes(t.url));
    const shards = Math.max(1, options.shards ?? 1);
    const label = options.label ?? `cycle at ${now.toISOString()}`;
    const detected =
      shards === 1
        ? this.whole(watched, observations, now, label)
        : this.sharded(watched, observations, now, shards, label);
    const notices = detected.filter((n) => !this.recorded.has(n.dedupeKey));
    for (const n of notices) this.recorded.add(n.dedupeKey);
    this.log.push(notices);
    return notices;
  }

  /** Detection over `targets`, checked on their live views (see above). */
  private detect(targets: readonly DetectTarget[], observations: readonly Observation[], now: Date, label: string) {
    const mine = new Map(targets.map((t) => [t.url, this.histories.get(t.url) ?? { state: null, certs: [] }]));
    return this.liveViews.detect(
      mine,
      observations,
      (histories) => detectCycle({ targets, histories, observations, now, config: this.config }),
      label,
    );
  }

  private whole(targets: readonly DetectTarget[], observations: readonly Observation[], now: Date, label: string) {
    const { result, viewed } = this.detect(targets, observations, now, label);
    const held = new Map(result.targets.map((d) => [d.target, this.folded(d.target, d.changedCerts)]));
    const settled = settleLeafEvents({
      notices: result.notices,
      leaves: this.views(result.notices, held),
      now,
      config: this.config,
    });
    for (const d of result.targets) this.save(d.target, d.state, d.changedCerts, viewed.has(d.target));
    return settled;
  }

  private sharded(
    targets: readonly DetectTarget[],
    observations: readonly Observation[],
    now: Date,
    shards: number,
    label: string,
  ) {
    const baselines = [];
    const deferred: Notice[] = [];
    const direct: Notice[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const slice = targets.filter((_, i) => i % shards === shard);
      if (slice.length === 0) continue;
      const { result, viewed } = this.detect(slice, observations, now, `${label} shard ${shard}`);
      baselines.push(...result.targets.flatMap((d) => (d.baseline ? [d.baseline] : [])));
      deferred.push(...result.targets.flatMap((d) => d.notices.filter((n) => SETTLED_TYPES.has(n.type))));
      direct.push(...result.notices.filter((n) => n.type !== 'BASELINE' && !SETTLED_TYPES.has(n.type)));
      for (const d of result.targets) this.save(d.target, d.state, d.changedCerts, viewed.has(d.target));
    }
    const merged = mergeTargetNotices(deferred, now);
    const settled = settleLeafEvents({
      notices: merged,
      leaves: this.views(merged, new Map()),
      now,
      config: this.config,
    });
    return [...baselineNotices(baselines, now), ...direct, ...settled];
  }

  /** Every target's record of each leaf the notices name; `held` overlays the targets of a cycle. */
  private views(notices: readonly Notice[], held: ReadonlyMap<string, CertRecord[]>): Map<string, LeafAtTarget[]> {
    const leaves = new Map<string, LeafAtTarget[]>();
    for (const sha of new Set(notices.map(settledLeaf).filter((s): s is string => s !== null))) {
      const views: LeafAtTarget[] = [];
      for (const t of this.targets) {
        const certs = held.get(t.url) ?? this.histories.get(t.url)?.certs ?? [];
        const view = leafAtTarget(sha, t.url, t.host, certs);
        if (view) views.push(view);
      }
      leaves.set(sha, views);
    }
    return leaves;
  }

  private folded(url: string, changed: readonly CertRecord[]): CertRecord[] {
    const certs = new Map((this.histories.get(url)?.certs ?? []).map((c) => [c.sha256, c]));
    for (const c of changed) certs.set(c.sha256, c);
    return [...certs.values()];
  }

  private save(url: string, state: TargetHistory['state'], changed: readonly CertRecord[], viewed: boolean): void {
    const certs = this.folded(
      url,
      changed.map((c) => ({ ...c, rev: c.rev + 1 })),
    );
    const history = { state: state ? { ...state, version: state.version + 1 } : null, certs };
    this.histories.set(url, history);
    this.liveViews.saved(url, history, changed.length, viewed);
  }
}
