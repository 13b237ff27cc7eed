/**
 * The times of a scheduled run, chosen so that they add up (docs/deploy.md "Timeouts"): the state
 * machine's execution timeout stays below the schedule period (runs never pile up) and covers the worst
 * of every step — Plan, the worst shard with its retry and wait, Merge — each retried as its Retry says.
 * The function timeout is what is left for a shard invocation. Arithmetic only: the stack test derives
 * the same sum back from the synthesized template.
 */
import {
  batchWorstCaseMs,
  LAMBDA_MAX_SECONDS,
  probingMs,
  revocationWorstCaseMsPerTarget,
  targetsWithinMs,
  type WorstCaseInput,
} from '../lambdas/contract/fan-out';
import { SETTINGS } from '../lambdas/settings/table';
import { type WatcherSettings, watcherRefusal } from './watcher-settings';

/** One Task state's timeout and retry (backoff rate 1: every wait is `intervalSeconds`). */
export interface StepTiming {
  /** The state's TimeoutSeconds (for a shard: the function timeout and the init phase before it). */
  timeoutSeconds: number;
  /** Attempts in all: the first and its retries. */
  attempts: number;
  intervalSeconds: number;
}

/** The times of one run of the state machine. */
export interface RunTiming {
  periodSeconds: number;
  /** The state machine's timeout. */
  executionSeconds: number;
  /** The Lambda function's timeout: one shard invocation. */
  functionSeconds: number;
  plan: StepTiming;
  /** Steps between Plan and the shards (the CT step), in order. */
  beforeShards: StepTiming[];
  shard: StepTiming;
  merge: StepTiming;
  /**
   * Seconds after the execution's start by which every shard's first attempt has stopped probing: a
   * retry after it probes nothing, so the worst shard (first attempt, wait, retry) still ends in time.
   */
  shardWindowSeconds: number;
}

/** The fixed choices behind {@link runTiming}. */
export const RUN_TIMING = Object.freeze({
  /** The execution timeout ends this long before the next run starts. */
  marginSeconds: 60,
  /** Plan and Merge: this share of the execution each, within bounds (they read the list and drain the outbox). */
  planShare: 0.07,
  planSeconds: { min: 20, max: 60 },
  mergeShare: 0.14,
  mergeSeconds: { min: 30, max: 120 },
  /** Every step is tried twice; a failed attempt is retried after this long. */
  attempts: 2,
  planIntervalSeconds: 5,
  shardIntervalSeconds: 10,
  mergeIntervalSeconds: 5,
  /** A cold start's init phase runs before the function timeout starts (Lambda bounds it at 10 s). */
  initSeconds: 10,
});

/**
 * The longest a shard's child execution may take, in seconds: the Distributed Map runs the shards in
 * Express child executions, a group at once in each (lib/run-state-machine.ts), billed per request and
 * duration rather than per state transition (docs/deploy.md "What it costs per month"), and Step
 * Functions ends an Express execution after 5 minutes — every attempt of its shards and their waits
 * included (docs/deploy.md "Timeouts").
 */
export const EXPRESS_CHILD_MAX_SECONDS = 300;

/**
 * The longest function timeout whose worst shard (every attempt with its init phase, and the waits)
 * still ends within {@link EXPRESS_CHILD_MAX_SECONDS}: 135 s with two attempts and a 10 s wait.
 */
export function expressFunctionMaxSeconds(): number {
  const t = RUN_TIMING;
  const waits = (t.attempts - 1) * t.shardIntervalSeconds;
  return Math.floor((EXPRESS_CHILD_MAX_SECONDS - waits) / t.attempts) - t.initSeconds;
}

/** The worst a step can take: every attempt to its timeout, and every wait. */
export function stepWorstSeconds(step: StepTiming): number {
  return step.attempts * step.timeoutSeconds + (step.attempts - 1) * step.intervalSeconds;
}

/** The worst a whole run can take: Plan, the steps before the shards, the worst shard, Merge. */
export function runWorstSeconds(
  timing: Pick<RunTiming, 'plan' | 'shard' | 'merge'> & { beforeShards?: readonly StepTiming[] },
): number {
  const before = (timing.beforeShards ?? []).reduce((sum, step) => sum + stepWorstSeconds(step), 0);
  return stepWorstSeconds(timing.plan) + before + stepWorstSeconds(timing.shard) + stepWorstSeconds(timing.merge);
}

const clamp = (value: number, bounds: { min: number; max: number }) =>
  Math.max(bounds.min, Math.min(bounds.max, Math.floor(value)));

/**
 * The run's times for a schedule period (seconds): the execution ends `marginSeconds` before the next
 * run, Plan and Merge get their share, and the function timeout is what two shard attempts and a wait
 * leave, at most what an Express child execution holds ({@link expressFunctionMaxSeconds}, below
 * Lambda's limit), unless `functionSeconds` fixes it (a second state machine on the same function).
 * `extraSteps`: the timings of steps run between Plan and the shards.
 */
export function runTiming(
  periodSeconds: number,
  options: { functionSeconds?: number; extraSteps?: readonly StepTiming[] } = {},
): RunTiming {
  const t = RUN_TIMING;
  const executionSeconds = periodSeconds - t.marginSeconds;
  const plan = {
    timeoutSeconds: clamp(executionSeconds * t.planShare, t.planSeconds),
    attempts: t.attempts,
    intervalSeconds: t.planIntervalSeconds,
  };
  const merge = {
    timeoutSeconds: clamp(executionSeconds * t.mergeShare, t.mergeSeconds),
    attempts: t.attempts,
    intervalSeconds: t.mergeIntervalSeconds,
  };
  // Steps between Plan and the shards (lib/run-state-machine.ts `beforeShards`) come out of the shards' time.
  const beforeShards = [...(options.extraSteps ?? [])];
  const extra = beforeShards.reduce((sum, step) => sum + stepWorstSeconds(step), 0);
  const forShards =
    executionSeconds -
    stepWorstSeconds(plan) -
    extra -
    stepWorstSeconds(merge) -
    (t.attempts - 1) * t.shardIntervalSeconds;
  const functionSeconds =
    options.functionSeconds ??
    Math.min(LAMBDA_MAX_SECONDS, expressFunctionMaxSeconds(), Math.floor(forShards / t.attempts) - t.initSeconds);
  // The shard state waits for the invocation: its init phase, then the function's time.
  const shard = {
    timeoutSeconds: functionSeconds + t.initSeconds,
    attempts: t.attempts,
    intervalSeconds: t.shardIntervalSeconds,
  };
  return {
    periodSeconds,
    executionSeconds,
    functionSeconds,
    plan,
    beforeShards,
    shard,
    merge,
    // A first attempt that stops at the window's end still has its wait and retry before the merge.
    shardWindowSeconds: executionSeconds - stepWorstSeconds(merge) - shard.intervalSeconds - shard.timeoutSeconds,
  };
}

/** Seconds the CT reader has beyond its budget (the list, the writes) and its function timeout (lib/ct-function.ts). */
export const CT_MARGIN_SECONDS = 30;

/**
 * The CT step (before the shards, docs/ct.md): one attempt (a failure is caught and the next run reads on
 * from the stored positions), waiting for the reader's init phase and its timeout.
 */
export function ctStepTiming(budgetSeconds: number): StepTiming {
  return {
    timeoutSeconds: budgetSeconds + CT_MARGIN_SECONDS + RUN_TIMING.initSeconds,
    attempts: 1,
    intervalSeconds: 0,
  };
}

/** The run times of a watcher: the watch run's, the posture run's on the same function (unless off). */
export interface WatcherTimings {
  watch: RunTiming;
  posture?: RunTiming;
  /** The function timeout both runs' shards have. */
  functionSeconds: number;
  /** Targets one shard holds when every one of them takes its worst case. */
  shardTargetsAtWorst: number;
}

/**
 * The times of a watcher's runs from its schedules, refusing settings under which one shard could not
 * finish even one target at worst (a probe timeout too long for the schedule).
 * @throws ConfigError naming the probe timeout
 */
export function watcherTimings(
  settings: Pick<
    WatcherSettings,
    'schedule' | 'postureSchedule' | 'probeTimeoutMs' | 'keyTypes' | 'ctLogs' | 'ctBudgetSeconds'
  > &
    Partial<Pick<WatcherSettings, 'revocation'>>,
): WatcherTimings {
  const ct = settings.ctLogs.kind === 'url' ? ctStepTiming(settings.ctBudgetSeconds) : null;
  const watch = runTiming(settings.schedule.toSeconds(), { extraSteps: ct ? [ct] : [] });
  const worstAt = (probeTimeoutMs: number): WorstCaseInput => ({
    probeTimeoutMs,
    keyTypes: settings.keyTypes,
    concurrency: SETTINGS.concurrency.default,
    // The revocation fetches of each target's leaves (docs/revocation.md), as the run counts them.
    extraMsPerTarget:
      settings.revocation === 'off'
        ? 0
        : revocationWorstCaseMsPerTarget(
            probeTimeoutMs,
            settings.keyTypes.length,
            (settings.revocation ?? ['crl', 'ocsp']).length,
          ),
  });
  const worst = worstAt(settings.probeTimeoutMs);
  const shardTargetsAtWorst = targetsWithinMs(probingMs(watch.functionSeconds * 1000), worst);
  // The CT step is named only when it is what leaves no room (the probe timeout alone may be the cause).
  const withoutCt = targetsWithinMs(probingMs(runTiming(settings.schedule.toSeconds()).functionSeconds * 1000), worst);
  if (shardTargetsAtWorst < 1 && ct && withoutCt >= 1) {
    throw watcherRefusal(
      SETTINGS.ctBudgetSeconds,
      `the Certificate Transparency step takes up to ${stepWorstSeconds(ct)} s of a ` +
        `${settings.schedule.toMinutes()}-minute run, which leaves a shard ${watch.functionSeconds} s, less than one ` +
        `target needs at worst (${Math.ceil(batchWorstCaseMs(1, worst) / 1000)} s): lower ctBudgetSeconds, choose ` +
        'a slower schedule, or set ctLogs=off',
    );
  }
  // At the Express child's cap a slower schedule gives a shard no more time: only a shorter probe timeout helps.
  if (shardTargetsAtWorst < 1 && watch.functionSeconds === expressFunctionMaxSeconds()) {
    const probing = probingMs(watch.functionSeconds * 1000);
    throw watcherRefusal(
      SETTINGS.probeTimeoutMs,
      `a ${settings.probeTimeoutMs} ms probe timeout needs ${Math.ceil(batchWorstCaseMs(1, worst) / 1000)} s for one ` +
        `target at worst, more than a shard has at any schedule: a shard runs as an Express child execution, which ` +
        `must end within ${EXPRESS_CHILD_MAX_SECONDS} s with its retry (a ${watch.functionSeconds} s function ` +
        `timeout, docs/deploy.md "Timeouts"): lower probeTimeoutMs to ` +
        `${longestFitting(SETTINGS.probeTimeoutMs.default, settings.probeTimeoutMs, (ms) => targetsWithinMs(probing, worstAt(ms)) >= 1)} or less`,
    );
  }
  if (shardTargetsAtWorst < 1) {
    throw watcherRefusal(
      SETTINGS.probeTimeoutMs,
      `a ${settings.probeTimeoutMs} ms probe timeout needs ${Math.ceil(batchWorstCaseMs(1, worst) / 1000)} s for one ` +
        `target at worst, more than a shard of a ${settings.schedule.toMinutes()}-minute schedule has ` +
        `(${watch.functionSeconds} s function timeout): lower probeTimeoutMs or choose a slower schedule`,
    );
  }
  const posture =
    settings.postureSchedule === 'off'
      ? undefined
      : runTiming(settings.postureSchedule.toSeconds(), { functionSeconds: watch.functionSeconds });
  return { watch, ...(posture ? { posture } : {}), functionSeconds: watch.functionSeconds, shardTargetsAtWorst };
}

/** The largest value in [low, high] that `fits` (monotone: fits up to some value, then no longer), or `low`. */
function longestFitting(low: number, high: number, fits: (value: number) => boolean): number {
  let [lo, hi] = [low, high];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
