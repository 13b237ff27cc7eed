/**
 * One watch cycle: probe → detect → store → outbox → publish, with `now` injected.
 *
 * Crash safety comes from the order of writes: notices are recorded in the outbox (with their dedupe
 * keys) before the history that makes them "known", and published only after. A cycle killed anywhere
 * is completed by the next one: re-detection on the unchanged history gives the same dedupe keys, which
 * the outbox already holds, and pending notices are published first.
 */

import { randomUUID } from 'node:crypto';
import { CLAIM_LEASE_MS } from '../core/budgets';
import { cycleNotices, type DetectTarget, detectCycle, detectTarget, type TargetDetection } from '../core/detect';
import { type SamplePlan, samplingPlan } from '../core/detect/sampling';
import { SETTLED_TYPES } from '../core/detect/settle';
import type { TargetHistory } from '../core/history';
import type { BaselineTargetFacts, Notice } from '../core/notice';
import type { Observation } from '../core/observation';
import type { HistoryStore, NoticePublisher, Prober } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import type { Target } from '../core/targets';
import { DEFAULT_WATCH_CONFIG, type WatchConfig } from '../core/watch-config';
import { mapWithLimit } from '../probe/pool';
import { HistoryReads } from './history-reads';
import { drainOutbox, type OutboxHooks } from './outbox';
import { type HeldTarget, settleWithStore } from './settle-leaves';

/** Test hook points of a cycle; production passes none. */
export interface CycleHooks extends OutboxHooks {
  /** After history and outbox are written, before anything of this cycle is published. */
  afterStore?(): Promise<void> | void;
}

/** The adapters a cycle runs on. */
export interface CycleDeps {
  prober: Prober;
  store: HistoryStore;
  publisher: NoticePublisher;
  hooks?: CycleHooks;
}

/** What a cycle is asked to do. */
export interface CycleInput {
  targets: readonly Target[];
  probeOptions: ProbeOptions;
  /** The cycle's instant: detection, validation (unless the options set one) and outbox times use it. */
  now: Date;
  config?: WatchConfig;
  /** Identifies this run in outbox claims (default: random). */
  cycleId?: string;
  /** How long a publish claim holds before another cycle may take it over (default 5 minutes). */
  claimLeaseMs?: number;
  /** Tries per target when another cycle writes the same target at the same time (default 3). */
  maxAttempts?: number;
  /** Store operations in flight at once (default 16). */
  storeConcurrency?: number;
  /**
   * A shard of a fanned-out run: its BASELINE facts go to this sink (stored for the run's merge step,
   * which raises one BASELINE) before any history is saved, and nothing is published here (the merge
   * step drains the outbox). Absent = a whole cycle, published at the end.
   */
  shard?: {
    saveBaselines(facts: readonly BaselineTargetFacts[]): Promise<void>;
    /**
     * Each target's notices about leaves (core/detect/settle.ts): stored for the merge step, which settles
     * them across every shard (one NEW_CERTIFICATE and one CERTIFICATE_RETIRED per leaf) before recording.
     */
    saveNotices(notices: readonly Notice[]): Promise<void>;
  };
  /** Made before the cycle and already stored: MX lookups that failed (observations), MX_CHANGED (notices). */
  expansion?: { observations: readonly Observation[]; notices: readonly Notice[] };
  /**
   * Probes the targets in place of `prober.probe` (the run's time-bounded, enriched probing), with the
   * cycle's sampling plan (the targets in rollout: docs/rollouts.md): targets it leaves unreached are not
   * observed this cycle (nothing of theirs is detected or saved).
   */
  observe?(
    targets: readonly Target[],
    samplePlan: Readonly<Record<string, SamplePlan>>,
  ): Promise<{ observations: Observation[]; unreached: readonly Target[] }>;
  /** Amends the detected notices before they are recorded (same order, same dedupe keys): the run's extensions. */
  amend?(notices: Notice[], observations: readonly Observation[]): Promise<Notice[]>;
  /** Watch-list entries the run left out before probing, with why (reported in the summary). */
  problems?: readonly RunProblem[];
}

/** A watch-list entry a run could not watch (e.g. its stored consumer policy no longer reads). */
export interface RunProblem {
  target: string;
  message: string;
  /** Its stored history holds an item the readers cannot use (the message names it; `certwatch repair`). */
  badItem?: true;
}

/** Counts for people and metrics. */
export interface CycleSummary {
  at: string;
  targets: number;
  observations: number;
  /** Observations that failed (a missing key type is not a failure). */
  failedProbes: number;
  /** Notices detected by this cycle, and how many of them are critical. */
  notices: number;
  critical: number;
  /** Notices published by this run (earlier pending ones included). */
  published: number;
  publishFailures: Array<{ dedupeKey: string; message: string }>;
  /** Published, but the claim had expired before it was marked sent: another cycle may publish it again. */
  lostClaims: string[];
  /** Writes that lost a race with another cycle and were redone on fresh history. */
  conflicts: number;
  /** Targets whose history could not be saved this cycle (they are retried next cycle). */
  unsaved: Array<{ target: string; message: string }>;
  /** Targets not reached before the invocation's time ran out: not observed this cycle, nothing lost. */
  unreached: string[];
  /** Watch-list entries left out of this cycle, with why. */
  problems: RunProblem[];
}

/** What a cycle returns. */
export interface CycleResult {
  observations: Observation[];
  /** Detected this cycle (another overlapping cycle may be the one that publishes some of them). */
  notices: Notice[];
  /** Published by this run, in order: earlier pending notices first. */
  published: Notice[];
  summary: CycleSummary;
}

/** Runs one watch cycle. Store errors other than conflicts propagate; probe failures are data. */
export async function runWatchCycle(deps: CycleDeps, input: CycleInput): Promise<CycleResult> {
  const { prober, store, publisher, hooks } = deps;
  const { now } = input;
  const config = input.config ?? DEFAULT_WATCH_CONFIG;
  const claimant = input.cycleId ?? randomUUID();
  const limit = input.storeConcurrency ?? 16;
  const attempted = new Set<string>();
  const drain = () =>
    drainOutbox({ store, publisher, claimant, now, leaseMs: input.claimLeaseMs ?? CLAIM_LEASE_MS, attempted, hooks });

  // Earlier pending notices go out before anything else can fail.
  const noDrain = { published: [] as Notice[], failures: [], lostClaims: [] };
  const earlier = input.shard ? noDrain : await drain();

  // Histories first: a rollout under way (read from them) takes several handshakes per address. Each read
  // is sized to what detection needs (run/history-reads.ts; docs/history-table.md "The live view").
  const reads = new HistoryReads(store, limit);
  await reads.beforeProbe(input.targets.map((t) => t.url));
  const { loaded, badItems } = reads;
  const samplePlan = samplePlans(loaded, config);
  const observed = input.observe
    ? await input.observe(input.targets, samplePlan)
    : {
        observations: await prober.probe(input.targets, {
          ...input.probeOptions,
          validationTime: input.probeOptions.validationTime ?? now,
          samplePlan,
        }),
        unreached: [] as Target[],
      };
  const { observations } = observed;
  await reads.afterProbe(observations);
  const unreached = new Set(observed.unreached.map((t) => t.url));
  const targets = input.targets.filter((t) => !unreached.has(t.url));
  const histories = new Map([...loaded].filter(([url]) => !unreached.has(url)));
  const detectTargets: DetectTarget[] = targets
    .filter((t) => histories.has(t.url))
    .map((t) => ({ url: t.url, host: t.host, mode: t.mode }));
  const expectedName = input.probeOptions.servername;
  const detection = detectCycle({ targets: detectTargets, histories, observations, now, config, expectedName });
  const held = new Map<string, HeldTarget>();
  const hold = (d: TargetDetection, history: TargetHistory) => {
    const certs = new Map(history.certs.map((c) => [c.sha256, c]));
    for (const c of d.changedCerts) certs.set(c.sha256, c);
    held.set(d.target, {
      host: hostOf(detectTargets, d.target),
      certs: [...certs.values()],
      complete: history.view?.from !== 'view',
    });
  };
  for (const d of detection.targets) hold(d, histories.get(d.target) as TargetHistory);
  // Extensions amend the notices before they leave this cycle (a shard's leaf notices with this shard's
  // observations: the merge step has none).
  const amend = (notices: Notice[]) => (input.amend ? input.amend(notices, observations) : Promise.resolve(notices));
  if (input.shard) {
    await input.shard.saveBaselines(detection.targets.flatMap((t) => (t.baseline ? [t.baseline] : [])));
    // Notices about leaves go to the run's merge step, to be settled across every shard.
    await input.shard.saveNotices(
      await amend(detection.targets.flatMap((t) => t.notices.filter((n) => SETTLED_TYPES.has(n.type)))),
    );
    detection.notices = detection.notices.filter((n) => n.type !== 'BASELINE' && !SETTLED_TYPES.has(n.type));
  } else {
    detection.notices = await settleWithStore({ store, notices: detection.notices, now, config, held });
  }
  detection.notices = await amend(detection.notices);
  await store.recordNotices(detection.notices, now);

  let conflicts = 0;
  const unsaved: CycleSummary['unsaved'] = [];
  const extra: Notice[] = [];
  await mapWithLimit(detectTargets, limit, async (target) => {
    let current = detection.targets.find((d) => d.target === target.url) as TargetDetection;
    let read = histories.get(target.url);
    for (let attempt = 1; ; attempt++) {
      const outcome = await store.saveTarget({ ...current, loaded: read });
      if (outcome.ok) return;
      conflicts += 1;
      if (attempt >= (input.maxAttempts ?? 3)) {
        unsaved.push({ target: target.url, message: outcome.message });
        return;
      }
      const first = detection.targets.find((d) => d.target === target.url);
      // A conflict is redone on the whole history, read again.
      read = await store.loadTarget(target.url);
      current = detectTarget({
        target,
        history: read,
        observations,
        now,
        config,
        expectedName,
        ghosts: first?.ghosts,
      });
      // The cycle's notices again with this target redone: merged notices (BASELINE, shared leaves) keep
      // their keys when the redone target raises the same events, so nothing is sent twice.
      const others = detection.targets.filter((d) => d.target !== target.url);
      // In a shard, the BASELINE facts go to the run's merge step instead.
      if (input.shard) await input.shard.saveBaselines(current.baseline ? [current.baseline] : []);
      if (input.shard)
        await input.shard.saveNotices(await amend(current.notices.filter((n) => SETTLED_TYPES.has(n.type))));
      let redone = cycleNotices([...others, current], detectTargets, now).filter(
        (n) =>
          (current.notices.some((c) => c.dedupeKey === n.dedupeKey) || n.target === null) &&
          !(input.shard && (n.type === 'BASELINE' || SETTLED_TYPES.has(n.type))),
      );
      if (!input.shard) {
        hold(current, await store.loadTarget(target.url));
        redone = await settleWithStore({ store, notices: redone, now, config, held });
      }
      redone = await amend(redone);
      // The events the first detection raised stay this cycle's, though the records written before the
      // conflict no longer raise them again.
      current.state.raised = [...new Set([...(first?.state.raised ?? []), ...current.state.raised])].sort();
      await store.recordNotices(redone, now);
      extra.push(...redone.filter((n) => !detection.notices.some((d) => d.dedupeKey === n.dedupeKey)));
    }
  });

  await hooks?.afterStore?.();
  const later = input.shard ? noDrain : await drain();

  const notices = [...(input.expansion?.notices ?? []), ...detection.notices, ...extra];
  const published = [...earlier.published, ...later.published];
  const allObservations = [...(input.expansion?.observations ?? []), ...observations];
  return {
    observations: allObservations,
    notices,
    published,
    summary: {
      at: now.toISOString(),
      targets: input.targets.length,
      observations: allObservations.length,
      failedProbes: allObservations.filter((o) => !o.ok && o.error?.code !== 'KEY_TYPE_UNAVAILABLE').length,
      notices: notices.length,
      critical: notices.filter((n) => n.severity === 'critical').length,
      published: published.length,
      publishFailures: [...earlier.failures, ...later.failures],
      lostClaims: [...earlier.lostClaims, ...later.lostClaims],
      conflicts,
      unsaved,
      unreached: [...unreached],
      problems: [...(input.problems ?? []), ...badItems],
    },
  };
}

/** The sampling plans of the targets in rollout (docs/rollouts.md, "Sampling"); none when sampling is off. */
function samplePlans(histories: ReadonlyMap<string, TargetHistory>, config: WatchConfig): Record<string, SamplePlan> {
  const plans: Record<string, SamplePlan> = {};
  for (const [url, history] of histories) {
    const plan = samplingPlan(history, config);
    if (Object.keys(plan).length > 0) plans[url] = plan;
  }
  return plans;
}

function hostOf(targets: readonly DetectTarget[], url: string): string {
  return targets.find((t) => t.url === url)?.host ?? url;
}
