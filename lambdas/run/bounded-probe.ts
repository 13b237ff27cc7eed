/**
 * Probing within a deadline (docs/architecture.md "The run"): the targets go to the prober in batches,
 * each batch as large as its worst case still fits before the deadline; a batch that does not fit is not
 * started, and a batch still running at the deadline is given up. What was not probed is returned as
 * unreached: not observed this time, never a failure or a disappearance. The observations of each batch
 * are enriched (the run's extensions) as soon as it is in.
 */
import type { Observation } from '../core/observation';
import type { Prober } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import { RUN_BUDGET, targetWorstCaseMs, type WorstCaseInput } from '../core/run-budget';
import type { Target } from '../core/targets';

/** What bounded probing needs besides the targets. */
export interface BoundedProbeInput {
  prober: Prober;
  probeOptions: ProbeOptions;
  /** Epoch milliseconds after which nothing more is started or waited for (Infinity: no bound). */
  deadline: number;
  /** One target's worst-case terms (the extensions' included). */
  worst: WorstCaseInput;
  /**
   * Further handshakes per address × key type a target takes this time (its rollout sampling plan:
   * docs/rollouts.md), added to its worst case; absent = none.
   */
  extraHandshakes?(target: Target): number;
  /** Runs after each batch's probes: the extensions' enrichment. */
  enrich(observations: Observation[]): Promise<Observation[]>;
  /** The clock (tests): epoch milliseconds. */
  clock?: () => number;
}

/** What was probed, and what was not reached. */
export interface BoundedProbeResult {
  observations: Observation[];
  unreached: Target[];
  /** Batches started (one when the deadline never bound). */
  batches: number;
}

const GAVE_UP = Symbol('deadline');

/** Probes as many targets as fit before the deadline at worst, in order. */
export async function probeWithin(targets: readonly Target[], input: BoundedProbeInput): Promise<BoundedProbeResult> {
  const clock = input.clock ?? Date.now;
  const options = input.probeOptions;
  const base = input.worst.extraHandshakesPerAddress ?? 0;
  const slotMs = (target: Target) =>
    targetWorstCaseMs({ ...input.worst, extraHandshakesPerAddress: base + (input.extraHandshakes?.(target) ?? 0) });
  const observations: Observation[] = [];
  let next = 0;
  let batches = 0;
  while (next < targets.length) {
    const size = Number.isFinite(input.deadline)
      ? fittingBatch(targets, next, input.deadline - clock(), slotMs, options)
      : targets.length - next;
    if (size === 0) break;
    const batch = targets.slice(next, next + size);
    batches += 1;
    // The prober learns the deadline too: work it does after the probes (revocation fetches) stops there.
    const batchOptions = Number.isFinite(input.deadline) ? { ...options, deadline: input.deadline } : options;
    const done = input.prober.probe(batch, batchOptions).then((found) => input.enrich(found));
    // A batch given up at the deadline may still fail later: that must not become an unhandled rejection.
    done.catch(() => undefined);
    const outcome = Number.isFinite(input.deadline) ? await raceDeadline(done, input.deadline - clock()) : await done;
    if (outcome === GAVE_UP) break;
    observations.push(...outcome);
    next += size;
  }
  return { observations, unreached: targets.slice(next), batches };
}

/** The longest run of targets from `start` whose worst case fits in `remainingMs` (0 when none does). */
function fittingBatch(
  targets: readonly Target[],
  start: number,
  remainingMs: number,
  slotMs: (target: Target) => number,
  options: ProbeOptions,
): number {
  const concurrency = Math.max(1, options.concurrency);
  let slots = 0;
  let size = 0;
  while (start + size < targets.length) {
    const count = size + 1;
    const withNext = slots + slotMs(targets[start + size]);
    const resolution = Math.ceil(count / concurrency) * RUN_BUDGET.resolutionTimeouts * options.timeoutMs;
    if (resolution + withNext / concurrency + options.timeoutMs > remainingMs) break;
    slots = withNext;
    size = count;
  }
  return size;
}

/** The promise's value, or GAVE_UP when `ms` pass first (the promise is left to settle on its own). */
async function raceDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof GAVE_UP> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof GAVE_UP>((resolve) => {
    timer = setTimeout(() => resolve(GAVE_UP), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
