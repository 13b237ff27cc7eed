/**
 * Thresholds of change detection. Plain data: the settings table (lambdas/settings/) validates them
 * once where they enter (CLI, handler environment, CDK context, construct properties).
 */

/** What change detection needs to know beyond history and observations. */
export interface WatchConfig {
  /** Days-left thresholds that raise EXPIRY_WARNING once each, largest first (default 21, 14, 7, 3, 1). */
  expiryThresholdsDays: readonly number[];
  /**
   * An address goes stale (its last observation no longer counts as "still serving") once its key type
   * was observed elsewhere at the target for at least this many cycles since (default 3); a retirement
   * also waits this many cycles of quiet after the leaf was last seen...
   */
  staleAfterCycles: number;
  /**
   * ...and for at least this many hours since (default 48: Google's DNS may name a frontend only about
   * once a day; an address whose own gaps were longer gets twice its longest gap).
   */
  staleAfterHours: number;
  /** Consecutive failed cycles of a target before PROBE_FAILING (default 3). */
  failingAfter: number;
  /** Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen (default 0.75). */
  rotationOverdueShare: number;
}

/** The defaults (docs/settings.md). */
export const DEFAULT_WATCH_CONFIG: WatchConfig = Object.freeze({
  expiryThresholdsDays: Object.freeze([21, 14, 7, 3, 1]),
  staleAfterCycles: 3,
  staleAfterHours: 48,
  failingAfter: 3,
  rotationOverdueShare: 0.75,
});
