/**
 * Thresholds of change detection. Plain data: the settings table (lambdas/settings/) validates them
 * once where they enter (CLI, handler environment, CDK context, construct properties).
 */

/** What change detection needs to know beyond history and observations. */
export interface WatchConfig {
  /** Days-left thresholds that raise EXPIRY_WARNING once each, largest first (default 21, 14, 7, 3, 1). */
  expiryThresholdsDays: readonly number[];
  /** Consecutive cycles a certificate must be missing at a target before CERTIFICATE_RETIRED (default 3). */
  retireAfterCycles: number;
  /** Consecutive failed cycles of a target before PROBE_FAILING (default 3). */
  failingAfter: number;
  /** Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen (default 0.75). */
  rotationOverdueShare: number;
}

/** The defaults of DESIGN.md. */
export const DEFAULT_WATCH_CONFIG: WatchConfig = Object.freeze({
  expiryThresholdsDays: Object.freeze([21, 14, 7, 3, 1]),
  retireAfterCycles: 3,
  failingAfter: 3,
  rotationOverdueShare: 0.75,
});
