/**
 * Thresholds of change detection. Plain data: the settings table (lambdas/settings/) validates them
 * once where they enter (CLI, handler environment, CDK context, construct properties).
 */

/** What change detection needs to know beyond history and observations. */
export interface WatchConfig {
  /** Days-left thresholds that raise EXPIRY_WARNING once each, largest first (default 21, 14, 7, 3, 1). */
  expiryThresholdsDays: readonly number[];
  /**
   * Each threshold applies as min(days, lifetime × this) (default 1/3, docs/expiry.md): a short-lived
   * certificate is not announced as expiring at first sight. `off`: the thresholds as configured.
   */
  expiryLifetimeShare: number | 'off';
  /**
   * The fewest cycles of its key type that must observe an address without a leaf (or, for an unobserved
   * address, observe the key type elsewhere) before that address stops holding the leaf active (default 3)...
   */
  staleAfterCycles: number;
  /**
   * ...and the watched hours (pauses excluded) after which that happens on duration alone (default 48:
   * Google's DNS may name a frontend only about once a day; an address whose own gaps were longer gets
   * twice its gap estimate). Sampling evidence may release an address sooner (see `mixWindowHours`).
   */
  staleAfterHours: number;
  /**
   * The recent window of the serving mix, in watched hours (default 24): counts of what each leaf was seen
   * doing at an address decay with half of it as half-life; a leaf first seen within it retires on duration
   * only.
   */
  mixWindowHours: number;
  /**
   * Below this conservative per-cycle share at an address (default 0.05), only duration releases a leaf
   * there: sampling evidence cannot tell a rare frontend from a gone one.
   */
  retireShareFloor: number;
  /**
   * Handshakes per address per cycle, at most, while a target × key type has an active leaf besides its
   * newest (a rollout under way); 1 turns sampling off (default 4).
   */
  rolloutSamples: number;
  /** Days a retirement must hold, with no sighting anywhere, before PIN_UNUSED (default 7). */
  pinUnusedAfterDays: number;
  /** Consecutive failed cycles of a target before PROBE_FAILING (default 3). */
  failingAfter: number;
  /** Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen (default 0.75). */
  rotationOverdueShare: number;
}

/** The defaults (docs/settings.md). */
export const DEFAULT_WATCH_CONFIG: WatchConfig = Object.freeze({
  expiryThresholdsDays: Object.freeze([21, 14, 7, 3, 1]),
  expiryLifetimeShare: 1 / 3,
  staleAfterCycles: 3,
  staleAfterHours: 48,
  mixWindowHours: 24,
  retireShareFloor: 0.05,
  rolloutSamples: 4,
  pinUnusedAfterDays: 7,
  failingAfter: 3,
  rotationOverdueShare: 0.75,
});
