/**
 * CloudWatch names of the watch handler's metrics (Powertools Metrics, EMF): the handler emits them,
 * the stack's alarms and dashboard read them. Constants only: the CDK app imports this.
 */
export const WATCH_METRICS = Object.freeze({
  namespace: 'Certwatch',
  /** Powertools adds `service` as a dimension of every metric. */
  service: 'certwatch',
  /**
   * Days until the earliest-expiring leaf served at a target for a key type; dimensions target, keyType.
   * Only for the targets the user marks (context `metricTargets`, `certwatch targets add --metric`): each
   * is a custom metric billed monthly (docs/deploy.md "What it costs").
   */
  daysToExpiry: 'DaysToExpiry',
  /** The least days to expiry over every target of a cycle (a shard: its slice); dimension keyType. */
  minDaysToExpiry: 'MinDaysToExpiry',
  /** Targets of a cycle (a shard: its slice) by their worst condition; dimension state ({@link TARGET_STATES}). */
  targets: 'Targets',
  /** Failed probes of a cycle (a missing key type is not a failure). */
  probeFailures: 'ProbeFailures',
  /** Notices detected by a cycle; dimension type. */
  notices: 'Notices',
  /** Notices the outbox could not publish this cycle (they stay pending and are retried). */
  publishFailures: 'PublishFailures',
  /** 1 per cycle that ran to the end; the "no successful cycle" alarm watches it. */
  cycleSucceeded: 'CycleSucceeded',
  /**
   * 1 per step of a run that failed on the last attempt the state machine gives it, or per failed direct
   * invocation; an error its retry recovers is not counted. The FunctionErrors alarm watches it.
   */
  stepFailed: 'StepFailed',
} as const);

/**
 * The conditions the `Targets` metric counts, worst first; a target is counted once, by the first that
 * holds: a served leaf past notAfter; one within the largest expiry threshold; no probe answered; else ok.
 */
export const TARGET_STATES = Object.freeze(['expired', 'expiring', 'failing', 'ok'] as const);

/** A target's condition in one cycle (see {@link TARGET_STATES}). */
export type TargetCondition = (typeof TARGET_STATES)[number];

/**
 * The structured log line of a target's days to expiry, one per target per cycle: per-target expiry stays
 * queryable (the dashboard's Logs Insights table) without a custom metric per target. Fields: `target`,
 * `days` (the least over its key types) and one field per key type (`rsa`, `ecdsa`).
 */
export const EXPIRY_LOG = Object.freeze({ message: 'days to expiry' } as const);
