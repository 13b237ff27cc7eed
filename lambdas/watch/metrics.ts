/**
 * The watch cycle's CloudWatch metrics, written as EMF log lines by Powertools Metrics. The numbers are
 * computed by a pure function (`cycleMetrics`) so they can be checked without a metrics backend.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { WATCH_METRICS } from '../contract/metrics';
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
  expiry: ExpiryPoint[];
  probeFailures: number;
  publishFailures: number;
  noticesByType: Record<string, number>;
}

/**
 * Derives a cycle's metric values. When addresses behind a name serve different leaves (a rollout),
 * the earliest expiry counts: that is the one that can hurt first.
 */
export function cycleMetrics(result: CycleResult, now: Date): CycleMetrics {
  const earliest = new Map<string, ExpiryPoint>();
  for (const observation of result.observations) {
    const leaf = observation.ok ? observation.chain[0] : undefined;
    if (!leaf) continue;
    const days = daysBetween(now, leaf.notAfter, 2);
    const key = `${observation.target}\n${observation.keyType}`;
    const seen = earliest.get(key);
    if (!seen || days < seen.days)
      earliest.set(key, { target: observation.target, keyType: observation.keyType, days });
  }
  const noticesByType: Record<string, number> = {};
  for (const notice of result.notices) noticesByType[notice.type] = (noticesByType[notice.type] ?? 0) + 1;
  return {
    expiry: [...earliest.values()],
    probeFailures: result.summary.failedProbes,
    publishFailures: result.summary.publishFailures.length,
    noticesByType,
  };
}

/**
 * Adds a finished cycle's metrics to `metrics`; the caller flushes them (`publishStoredMetrics`).
 * Per-target and per-type values go out as single metrics because each has its own dimensions.
 */
export function recordCycleMetrics(metrics: Metrics, result: CycleResult, now: Date, wholeCycle = true): void {
  const values = cycleMetrics(result, now);
  for (const point of values.expiry) {
    metrics
      .singleMetric()
      .addDimensions({ target: point.target, keyType: point.keyType })
      .addMetric(WATCH_METRICS.daysToExpiry, MetricUnit.NoUnit, point.days);
  }
  for (const [type, count] of Object.entries(values.noticesByType)) {
    metrics.singleMetric().addDimension('type', type).addMetric(WATCH_METRICS.notices, MetricUnit.Count, count);
  }
  metrics.addMetric(WATCH_METRICS.probeFailures, MetricUnit.Count, values.probeFailures);
  metrics.addMetric(WATCH_METRICS.publishFailures, MetricUnit.Count, values.publishFailures);
  // A shard is not a cycle: the merge step of a fanned-out run counts the run.
  if (wholeCycle) metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 1);
}
