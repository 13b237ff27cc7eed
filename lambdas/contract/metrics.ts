/**
 * CloudWatch names of the watch handler's metrics (Powertools Metrics, EMF): the handler emits them,
 * the stack's alarms and dashboard read them. Constants only: the CDK app imports this.
 */
export const WATCH_METRICS = Object.freeze({
  namespace: 'Certwatch',
  /** Powertools adds `service` as a dimension of every metric. */
  service: 'certwatch',
  /** Days until the earliest-expiring leaf served at a target for a key type; dimensions target, keyType. */
  daysToExpiry: 'DaysToExpiry',
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
