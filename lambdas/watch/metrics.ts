/**
 * The watch cycle's CloudWatch metrics, written as EMF log lines by Powertools Metrics, and its per-target
 * expiry log lines. The numbers are computed by a pure function (`cycleMetrics`) so they can be checked
 * without a metrics backend.
 *
 * Custom metrics are billed per metric a month, so their number must not grow with the list
 * (docs/deploy.md "What it costs"): the list is summed up in a few aggregates (the least days to expiry per
 * key type, targets by condition), which CloudWatch combines across shards (Minimum, Sum); a per-target
 * `DaysToExpiry` is emitted only for the targets the user marks; every target's expiry is a log line.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { TARGET_STATES, type TargetCondition, WATCH_METRICS } from '../contract/metrics';
import { daysBetween } from '../core/days';
import type { KeyType } from '../core/observation';
import type { CycleResult } from '../run/cycle';

/** Days to expiry of the earliest-expiring leaf served at one target for one key type. */
export interface ExpiryPoint {
  target: string;
  keyType: KeyType;
  days: number;
}

/** The metric values of one cycle. */
export interface CycleMetrics {
  /** Every target × key type that served a leaf. */
  expiry: ExpiryPoint[];
  /** The least days to expiry per key type over the cycle's targets. */
  minDays: Partial<Record<KeyType, number>>;
  /** The cycle's targets by condition (every condition present, zeros included). */
  targets: Record<TargetCondition, number>;
  probeFailures: number;
  publishFailures: number;
  noticesByType: Record<string, number>;
}

/** What a cycle's metrics depend on besides its result. */
export interface MetricOptions {
  /** A leaf this close to notAfter (days) makes its target `expiring`: the largest expiry threshold. */
  expiringWithinDays: number;
  /** Targets whose own `DaysToExpiry` is emitted (URLs). */
  marked?: ReadonlySet<string>;
  /** False for a shard: the merge step counts the run as a cycle. */
  wholeCycle?: boolean;
}

/** One target's expiry log line (`EXPIRY_LOG` in lambdas/contract/metrics.ts). */
export type ExpiryLogLine = { target: string; days: number } & Partial<Record<KeyType, number>>;

/**
 * Derives a cycle's metric values. When addresses behind a name serve different leaves (a rollout),
 * the earliest expiry counts: that is the one that can hurt first.
 */
export function cycleMetrics(result: CycleResult, now: Date, expiringWithinDays: number): CycleMetrics {
  const earliest = new Map<string, ExpiryPoint>();
  const answered = new Set<string>();
  const failed = new Set<string>();
  for (const observation of result.observations) {
    if (!observation.ok) {
      if (observation.error?.code !== 'KEY_TYPE_UNAVAILABLE') failed.add(observation.target);
      continue;
    }
    answered.add(observation.target);
    const leaf = observation.chain[0];
    if (!leaf) continue;
    const days = daysBetween(now, leaf.notAfter, 2);
    const key = `${observation.target}\n${observation.keyType}`;
    const seen = earliest.get(key);
    if (!seen || days < seen.days)
      earliest.set(key, { target: observation.target, keyType: observation.keyType, days });
  }
  const expiry = [...earliest.values()];
  const minDays: Partial<Record<KeyType, number>> = {};
  const leastByTarget = new Map<string, number>();
  for (const point of expiry) {
    minDays[point.keyType] = Math.min(minDays[point.keyType] ?? Number.POSITIVE_INFINITY, point.days);
    leastByTarget.set(point.target, Math.min(leastByTarget.get(point.target) ?? Number.POSITIVE_INFINITY, point.days));
  }
  const targets = Object.fromEntries(TARGET_STATES.map((s) => [s, 0])) as Record<TargetCondition, number>;
  for (const target of new Set([...answered, ...failed])) {
    const least = leastByTarget.get(target);
    const condition: TargetCondition =
      least !== undefined && least <= 0
        ? 'expired'
        : least !== undefined && least <= expiringWithinDays
          ? 'expiring'
          : answered.has(target)
            ? 'ok'
            : 'failing';
    targets[condition] += 1;
  }
  const noticesByType: Record<string, number> = {};
  for (const notice of result.notices) noticesByType[notice.type] = (noticesByType[notice.type] ?? 0) + 1;
  return {
    expiry,
    minDays,
    targets,
    probeFailures: result.summary.failedProbes,
    publishFailures: result.summary.publishFailures.length,
    noticesByType,
  };
}

/** One log line per target that served a leaf: its least days to expiry, and per key type. */
export function expiryLogLines(values: CycleMetrics): ExpiryLogLine[] {
  const lines = new Map<string, ExpiryLogLine>();
  for (const point of values.expiry) {
    const line = lines.get(point.target) ?? { target: point.target, days: point.days };
    line.days = Math.min(line.days, point.days);
    line[point.keyType] = point.days;
    lines.set(point.target, line);
  }
  return [...lines.values()];
}

/**
 * Adds a finished cycle's metrics to `metrics`; the caller flushes them (`publishStoredMetrics`) and logs
 * the expiry lines it returns. Values with dimensions of their own go out as single metrics.
 */
export function recordCycleMetrics(
  metrics: Metrics,
  result: CycleResult,
  now: Date,
  options: MetricOptions,
): ExpiryLogLine[] {
  const values = cycleMetrics(result, now, options.expiringWithinDays);
  for (const point of values.expiry) {
    if (!options.marked?.has(point.target)) continue;
    metrics
      .singleMetric()
      .addDimensions({ target: point.target, keyType: point.keyType })
      .addMetric(WATCH_METRICS.daysToExpiry, MetricUnit.NoUnit, point.days);
  }
  for (const [keyType, days] of Object.entries(values.minDays)) {
    metrics
      .singleMetric()
      .addDimension('keyType', keyType)
      .addMetric(WATCH_METRICS.minDaysToExpiry, MetricUnit.NoUnit, days);
  }
  for (const [state, count] of Object.entries(values.targets)) {
    metrics.singleMetric().addDimension('state', state).addMetric(WATCH_METRICS.targets, MetricUnit.Count, count);
  }
  for (const [type, count] of Object.entries(values.noticesByType)) {
    metrics.singleMetric().addDimension('type', type).addMetric(WATCH_METRICS.notices, MetricUnit.Count, count);
  }
  metrics.addMetric(WATCH_METRICS.probeFailures, MetricUnit.Count, values.probeFailures);
  metrics.addMetric(WATCH_METRICS.publishFailures, MetricUnit.Count, values.publishFailures);
  // A shard is not a cycle: the merge step of a fanned-out run counts the run.
  if (options.wholeCycle !== false) metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 1);
  return expiryLogLines(values);
}
