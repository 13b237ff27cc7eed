/**
 * The run: the one application module that assembles a watch run from settings and ports (store, prober,
 * publisher). The Lambda handler (lambdas/watch/handler.ts), the state machine's steps and the CLI
 * (`certwatch check`, its shard workers) only adapt their inputs to it, so they behave alike. Steps and
 * extension points: docs/architecture.md "The run".
 *
 * - `cycle`: a whole run in one invocation (a direct invoke, `certwatch check`).
 * - `plan` → `shard` × N → `merge`: the same run cut into shards, each its own invocation.
 * - `posture`: the TLS posture cycle over the same targets.
 * Times are epoch milliseconds: `invocationEnd` is when the caller's invocation is cut off (Lambda: now +
 * the context's remaining time); a step stops probing early enough to store what it found before then.
 */
import { mostSamples, type SamplePlan } from '../core/detect/sampling';
import type { Notice } from '../core/notice';
import type { Observation } from '../core/observation';
import type { HistoryStore, NoticePublisher, Prober } from '../core/ports';
import type { PolicyRule } from '../core/posture/policy';
import type { ProbeOptions } from '../core/probe-options';
import { batchWorstCaseMs, POSTURE_BUDGET, probingMs, type WorstCaseInput } from '../core/run-budget';
import type { Target } from '../core/targets';
import type { WatchConfig } from '../core/watch-config';
import { activeTargets, parseWatchTargets } from '../core/watch-list';
import { probeWithin } from './bounded-probe';
import { type CycleHooks, type CycleResult, runWatchCycle } from './cycle';
import type { RunExtension } from './extensions';
import { type MergeSummary, mergeRun, type RunPlan, type ShardOrder, saveShardRate, sizePlan } from './fan-out';
import { sendHeartbeatIfDue } from './heartbeat-step';
import { WatchListCache } from './list-cache';
import { type PostureCycleDeps, type PostureCycleResult, runPostureCycle } from './posture-cycle';
import { assembleRunTargets, loadRunList, type RunList, type RunTargets, type Slice } from './run-targets';

/** The ports a run works through. */
export interface RunPorts {
  store: HistoryStore;
  prober: Prober;
  publisher: NoticePublisher;
  /** Test hook points of the cycle. */
  hooks?: CycleHooks;
  /** The posture enumerator (default: the real one). */
  enumerate?: PostureCycleDeps['enumerate'];
}

/** What a run is configured with. */
export interface RunSettings {
  /** The deployment's (or the command line's) probe options, its consumer policy included. */
  probeOptions: ProbeOptions;
  watch: WatchConfig;
  list: RunList;
  postureRules?: readonly PolicyRule[];
  extensions?: readonly RunExtension[];
  /** How long a publish claim holds (default 5 minutes). */
  claimLeaseMs?: number;
}

/** When a step must be done, and who it is in outbox claims. */
export interface StepOptions {
  /** Epoch milliseconds at which the invocation is cut off (absent: no bound). */
  invocationEnd?: number;
  /** Identifies this invocation in outbox claims (default: random). */
  cycleId?: string;
}

/** What a run's pre-probe steps did. */
export interface PreProbeReport {
  extension: string;
  notices: readonly Notice[];
  summary?: string;
  error?: string;
}

/** A shard's result: the cycle's, with the targets marked for a metric of their own. */
export interface ShardResult extends CycleResult {
  /** URLs of the targets whose entry is marked for its own DaysToExpiry metric (`targets add --metric`). */
  marked: string[];
}

/** A cycle's result with what the run's pre-probe steps did. */
export interface RunResult extends ShardResult {
  preProbe: PreProbeReport[];
}

/** One watch run, assembled. */
export class WatchRun {
  private readonly extensions: readonly RunExtension[];
  /** The list this environment read last (a Lambda environment keeps it between invocations). */
  private readonly listCache = new WatchListCache();

  constructor(
    private readonly ports: RunPorts,
    private readonly settings: RunSettings,
  ) {
    this.extensions = settings.extensions ?? [];
  }

  /** The probe options with every extension's adjustments. */
  probeOptions(base: ProbeOptions = this.settings.probeOptions): ProbeOptions {
    return this.extensions.reduce((options, e) => e.probeOptions?.(options) ?? options, base);
  }

  /** The worst-case terms of one target under these settings (the extensions' extra handshakes included). */
  worstCase(options: ProbeOptions = this.probeOptions()): WorstCaseInput {
    return {
      probeTimeoutMs: options.timeoutMs,
      keyTypes: options.keyTypes,
      concurrency: options.concurrency,
      extraHandshakesPerAddress: this.extraHandshakes(),
      extraMsPerTarget: this.extensions.reduce((sum, e) => sum + (e.worstCaseMsPerTarget?.(options) ?? 0), 0),
    };
  }

  /**
   * This run's targets (of one shard, when `slice` is given: from the list of `listDigest`, the plan's,
   * when this environment holds it).
   */
  targets(now: Date, slice?: Slice, listDigest?: string | null): Promise<RunTargets> {
    const { store } = this.ports;
    const held = slice ? { held: { cache: this.listCache, digest: listDigest } } : {};
    return assembleRunTargets({
      store,
      list: this.settings.list,
      probeOptions: this.probeOptions(),
      now,
      slice,
      ...held,
    });
  }

  /** A whole run in this invocation: targets, pre-probe steps, bounded probing, detection, store, publish. */
  async cycle(now: Date, step: StepOptions = {}): Promise<RunResult> {
    const started = Date.now();
    const prepared = await this.targets(now);
    const preProbe = await this.preProbe(prepared, now, step.invocationEnd);
    const result = await runWatchCycle(this.cycleDeps(), {
      ...this.cycleInput(prepared, now, step, started),
    });
    return { ...result, preProbe, marked: prepared.marked };
  }

  /**
   * Plans a run: the list merged (or set up), counted, and cut into shards that fit `invocationMs` each
   * (`posture`: shards of TLS posture enumeration, sized by its per-target budget).
   */
  async plan(
    now: Date,
    options: { invocationMs: number; forceShards?: number; deadline?: number; posture?: boolean },
  ): Promise<RunPlan> {
    const { store } = this.ports;
    const list = await loadRunList(store, this.settings.list, now);
    const listDigest = list && this.settings.list.kind !== 'given' ? this.listCache.hold(list) : null;
    const entries =
      this.settings.list.kind === 'given'
        ? this.settings.list.entries.length
        : parseWatchTargets(list ? activeTargets(list) : []).length;
    return sizePlan({
      now,
      entries,
      invocationMs: options.invocationMs,
      worst: this.worstCase(),
      rate: await store.loadProbeRate(),
      forceShards: options.forceShards,
      deadline: options.deadline,
      listDigest,
      ...(options.posture
        ? {
            capacity: Math.max(1, Math.floor(probingMs(options.invocationMs) / 1000 / POSTURE_BUDGET.secondsPerTarget)),
          }
        : {}),
    });
  }

  /**
   * One shard: its slice of the list probed within its time, detected and stored; BASELINE facts kept
   * for the merge, nothing published. Saves the rate it measured.
   */
  async shard(order: ShardOrder, step: StepOptions = {}): Promise<ShardResult> {
    const { store } = this.ports;
    const now = new Date(order.now);
    const started = Date.now();
    const invocationEnd = step.invocationEnd ?? Number.POSITIVE_INFINITY;
    const end = Math.min(invocationEnd, order.deadline ?? Number.POSITIVE_INFINITY);
    // A shard given less time than one target takes at worst (a Map item started after the run's window,
    // a late retry) probes nothing: it measures no rate, and must not leave its list reading and MX lookups
    // behind as one, or the next plan would cut smaller shards, more of them late in turn.
    const couldProbe = probingMs(end - started) >= batchWorstCaseMs(1, this.worstCase());
    const prepared = await this.targets(now, { shard: order.shard, shardCount: order.shardCount }, order.listDigest);
    const result = await runWatchCycle(this.cycleDeps(), {
      ...this.cycleInput(prepared, now, { ...step, invocationEnd: end }, started),
      shard: {
        saveBaselines: (facts) => store.saveRunBaselines(order.runId, facts, now),
        saveNotices: (notices) => store.saveRunNotices(order.runId, notices, now),
      },
    });
    const targets = prepared.targets.length;
    const reached = targets - result.summary.unreached.length;
    const entries = prepared.entries.length;
    const seconds = (Date.now() - started) / 1000;
    // Entries reached, in proportion to their targets (an `mx:` entry is several).
    const reachedEntries = targets === 0 ? entries : Math.round((entries * reached) / targets);
    // A shard the run's window cut short (started late in it) measured how late it started, not how fast
    // entries go: its few entries over its fixed costs would make the next plan's shards small — hundreds
    // of them, most starting after the window in turn (docs/deploy.md "The watch list and fan-out").
    const cutByWindow = result.summary.unreached.length > 0 && end < invocationEnd;
    if (!cutByWindow && (reachedEntries > 0 || (entries > 0 && couldProbe && seconds >= 1))) {
      await saveShardRate(store, order, {
        entries: Math.max(1, reachedEntries),
        seconds,
        at: new Date().toISOString(),
      });
    }
    return { ...result, marked: prepared.marked };
  }

  /** Merges a run: one BASELINE for the whole run, then the outbox drained. */
  merge(run: { runId: string; now: string }, claimant?: string): Promise<MergeSummary> {
    return mergeRun(this.ports, run, claimant, this.settings.claimLeaseMs, this.settings.watch);
  }

  /** This week's heartbeat when it is due (the list's URLs and the stored MX hosts; no DNS). */
  async heartbeat(now: Date, claimant: string, schedule: 'weekly' | 'off'): Promise<Notice | null> {
    const { store, publisher } = this.ports;
    if (schedule === 'off') return null;
    const list = await store.loadWatchList();
    const entries =
      this.settings.list.kind === 'given'
        ? [...this.settings.list.entries]
        : parseWatchTargets(list ? activeTargets(list) : []);
    const targets: Array<{ url: string; host: string }> = [];
    for (const entry of entries) {
      if (entry.kind === 'url') targets.push(entry.target);
      else
        for (const { host } of (await store.loadMx(entry.domain))?.hosts ?? [])
          targets.push({ url: `smtp://${host}:25`, host });
    }
    return sendHeartbeatIfDue({ schedule, store, publisher, targets: targets as Target[], now, claimant });
  }

  /**
   * One shard of a posture run: its slice enumerated in small batches while a batch still fits its
   * time (a batch still running at the deadline is given up), postures compared and kept, notices
   * recorded for the merge to publish. Targets not reached keep their last posture.
   */
  async postureShard(
    order: ShardOrder,
    step: StepOptions = {},
  ): Promise<PostureCycleResult & { problems: RunTargets['problems']; unreached: string[] }> {
    const { store, publisher, enumerate } = this.ports;
    const now = new Date(order.now);
    const started = Date.now();
    const invocationEnd = step.invocationEnd ?? Number.POSITIVE_INFINITY;
    const end = Math.min(invocationEnd, order.deadline ?? Number.POSITIVE_INFINITY);
    const deadline = Number.isFinite(end) ? started + probingMs(end - started) : Number.POSITIVE_INFINITY;
    const prepared = await this.targets(now, { shard: order.shard, shardCount: order.shardCount }, order.listDigest);
    const targets = prepared.targets;
    const total: PostureCycleResult = { postures: [], notices: [], published: [], incomplete: 0, publishFailures: [] };
    let next = 0;
    while (next < targets.length) {
      const fits = Math.floor((deadline - Date.now()) / 1000 / POSTURE_BUDGET.secondsPerTarget);
      const size = Math.min(targets.length - next, POSTURE_BUDGET.targetsPerBatch, fits);
      if (size <= 0) break;
      const batch = runPostureCycle(
        { store, publisher, ...(enumerate ? { enumerate } : {}) },
        {
          targets: targets.slice(next, next + size),
          probeOptions: prepared.probeOptions,
          postureOptions: { rules: [...(this.settings.postureRules ?? [])] },
          now,
          cycleId: step.cycleId,
          shard: true,
        },
      );
      const done = await withinDeadline(batch, deadline);
      if (done === undefined) break;
      total.postures.push(...done.postures);
      total.notices.push(...done.notices);
      total.incomplete += done.incomplete;
      next += size;
    }
    return { ...total, problems: prepared.problems, unreached: targets.slice(next).map((t) => t.url) };
  }

  /** The TLS posture cycle over this run's targets. */
  async posture(now: Date, step: StepOptions = {}): Promise<PostureCycleResult & { problems: RunTargets['problems'] }> {
    const { store, publisher, enumerate } = this.ports;
    const prepared = await this.targets(now);
    const result = await runPostureCycle(
      { store, publisher, ...(enumerate ? { enumerate } : {}) },
      {
        targets: prepared.targets,
        probeOptions: prepared.probeOptions,
        postureOptions: { rules: [...(this.settings.postureRules ?? [])] },
        now,
        cycleId: step.cycleId,
        claimLeaseMs: this.settings.claimLeaseMs,
      },
    );
    return { ...result, problems: prepared.problems };
  }

  private cycleDeps() {
    const { prober, store, publisher, hooks } = this.ports;
    return { prober, store, publisher, ...(hooks ? { hooks } : {}) };
  }

  private cycleInput(prepared: RunTargets, now: Date, step: StepOptions, started: number) {
    const options: ProbeOptions = {
      ...prepared.probeOptions,
      validationTime: prepared.probeOptions.validationTime ?? now,
    };
    const invocationMs = step.invocationEnd === undefined ? Number.POSITIVE_INFINITY : step.invocationEnd - started;
    const deadline = Number.isFinite(invocationMs) ? started + probingMs(invocationMs) : Number.POSITIVE_INFINITY;
    return {
      targets: prepared.targets,
      probeOptions: prepared.probeOptions,
      now,
      config: this.settings.watch,
      cycleId: step.cycleId,
      claimLeaseMs: this.settings.claimLeaseMs,
      expansion: prepared,
      problems: prepared.problems,
      // Targets not reached are the last ones: start from a different one each run, so that a shard
      // short of time leaves a different rest unobserved each time, never the same targets for ever.
      observe: async (targets: readonly Target[], samplePlan: Readonly<Record<string, SamplePlan>>) =>
        probeWithin(rotated(targets, step.cycleId), {
          prober: this.ports.prober,
          probeOptions: { ...options, samplePlan },
          deadline,
          worst: this.worstCase(options),
          extraHandshakes: (target) => mostSamples(samplePlan[target.url]) - 1,
          enrich: (observations) => this.enrich(observations, options, now, deadline),
        }),
      amend: (notices: Notice[], observations: readonly Observation[]) => this.amend(notices, observations, now),
    };
  }

  private async amend(notices: Notice[], observations: readonly Observation[], now: Date): Promise<Notice[]> {
    let amended = notices;
    for (const extension of this.extensions) {
      if (extension.amendNotices) {
        amended = await extension.amendNotices(amended, { store: this.ports.store, observations, now });
      }
    }
    return amended;
  }

  private extraHandshakes(): number {
    return this.extensions.reduce((sum, e) => sum + (e.extraHandshakesPerAddress ?? 0), 0);
  }

  private async enrich(observations: Observation[], options: ProbeOptions, now: Date, deadline: number) {
    let enriched = observations;
    for (const extension of this.extensions) {
      if (extension.enrich) {
        enriched = await extension.enrich(enriched, { store: this.ports.store, probeOptions: options, now, deadline });
      }
    }
    return enriched;
  }

  /**
   * The extensions' pre-probe steps as a step of their own (a fanned-out run runs them once, before its
   * shards), over the whole run's targets.
   */
  async beforeProbe(now: Date, step: StepOptions = {}): Promise<PreProbeReport[]> {
    return this.preProbe(await this.targets(now), now, step.invocationEnd);
  }

  /** Runs the extensions' pre-probe steps, each within its budget; a failing step is reported, not fatal. */
  private async preProbe(prepared: RunTargets, now: Date, invocationEnd?: number): Promise<PreProbeReport[]> {
    const reports: PreProbeReport[] = [];
    for (const extension of this.extensions) {
      const step = extension.beforeProbe;
      if (!step) continue;
      const deadline = Math.min(Date.now() + step.budgetMs, invocationEnd ?? Number.POSITIVE_INFINITY);
      try {
        const done = await step.run({
          store: this.ports.store,
          targets: prepared.targets,
          probeOptions: prepared.probeOptions,
          now,
          deadline,
        });
        reports.push({ extension: extension.name, notices: done.notices, summary: done.summary });
      } catch (error) {
        reports.push({ extension: extension.name, notices: [], error: (error as Error).message });
      }
    }
    return reports;
  }
}

/** The promise's value, or undefined when the deadline passes first (the promise then settles on its own). */
async function withinDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  promise.catch(() => undefined);
  if (!Number.isFinite(deadline)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The targets from a position that depends on `seed` (the invocation), in their order, wrapping around. */
function rotated(targets: readonly Target[], seed = ''): Target[] {
  if (targets.length < 2) return [...targets];
  let hash = 0;
  for (let i = 0; i < seed.length; i++) hash = (Math.imul(hash, 31) + seed.charCodeAt(i)) >>> 0;
  const first = hash % targets.length;
  return [...targets.slice(first), ...targets.slice(0, first)];
}
