/**
 * The arithmetic of retiring with bounded error (docs/rollouts.md, "Retirement"). A leaf still served at
 * an address with per-cycle share q goes unseen for m cycles with probability (1 − q)^m. The share is not
 * known: its conservative estimate is the lower confidence bound of the cycles that saw the leaf over the
 * cycles that observed the address (recent window, decayed counts). The test runs every cycle for days, so
 * the budget is spent over the leaf's sightings: after the k-th cycle of the rollout the run of misses may
 * end a sighting with probability α / (k (k + 1)), which sums to α over any number of cycles; divided again
 * by the addresses that served the leaf (any one of them may be the one still serving it).
 */

/** The false-retirement probability allowed per leaf per rollout. */
export const FALSE_RETIREMENT_BUDGET = 0.01;

/** z of the one-sided 99 % lower confidence bound of a share. */
export const SHARE_BOUND_Z = 2.326;

/**
 * The Wilson lower confidence bound of a share of `hits` in `trials` (decayed counts may be fractional),
 * two decimals, floored: the conservative share the sampling test uses.
 */
export function shareLowerBound(hits: number, trials: number, z = SHARE_BOUND_Z): number {
  if (trials <= 0 || hits <= 0) return 0;
  const p = Math.min(1, hits / trials);
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const bound = (centre - margin) / (1 + z2 / trials);
  return Math.max(0, Math.floor(bound * 100) / 100);
}

/** The probability that a leaf served with per-cycle share `q` goes unseen for `misses` cycles. */
export function missProbability(q: number, misses: number): number {
  return (1 - Math.min(1, Math.max(0, q))) ** misses;
}

/**
 * The part of the budget one test may use: after `looks` cycles of the rollout, with `addresses` that
 * served the leaf and the target's hysteresis `hold` (1, 2 or 4).
 */
export function lookBudget(looks: number, addresses: number, hold: number, budget = FALSE_RETIREMENT_BUDGET): number {
  const k = Math.max(1, looks);
  return budget / (k * (k + 1) * Math.max(1, addresses) * Math.max(1, hold));
}

/**
 * What the sampling test predicts for a retirement at this point: the probability that the leaf is still
 * served at an address that shows `misses` cycles without it, given its conservative share `q` there, scaled
 * as {@link lookBudget} divides (≤ the budget when the test passes).
 */
export function predictedFalseRetirement(q: number, misses: number, looks: number, addresses: number, hold: number) {
  const k = Math.max(1, looks);
  return missProbability(q, misses) * k * (k + 1) * Math.max(1, addresses) * Math.max(1, hold);
}

/** Rounds to two decimals (what the store keeps of decayed counts and clocks). */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
