/**
 * Days to expiry: one rule for the whole product.
 *
 * - People read **whole days, floored** ({@link wholeDays}, {@link daysUntil}): notice text and SNS
 *   subjects, the CLI tables, timeline labels, heartbeat lines. 4 days and 23 hours left reads "4 days";
 *   2 hours past expiry reads "-1d" / "expired 1 days ago".
 * - Machines keep the fraction ({@link daysBetween}): notice facts (`daysLeft`, to a tenth) and the
 *   DaysToExpiry metric (to a hundredth). The fraction is floored too, never rounded, so its whole part is
 *   always what people read (a notice can never say 5 days where a table says 4d).
 */

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

function millis(at: Date | string | number): number {
  if (typeof at === 'number') return at;
  return typeof at === 'string' ? Date.parse(at) : at.getTime();
}

/**
 * Days from `from` to `to` (negative once past), floored to `decimals` places: the fraction that JSON
 * and metrics keep. `Math.floor` of it is {@link daysUntil} of the same instants.
 */
export function daysBetween(from: Date | string | number, to: Date | string | number, decimals = 1): number {
  const scale = 10 ** decimals;
  return Math.floor(((millis(to) - millis(from)) / DAY_MS) * scale) / scale;
}

/** A day count as people read it: whole days, floored. */
export function wholeDays(days: number): number {
  return Math.floor(days);
}

/** Whole days from `now` until `to`, floored (negative once past): the number every human text shows. */
export function daysUntil(to: Date | string | number, now: Date | string | number): number {
  return wholeDays((millis(to) - millis(now)) / DAY_MS);
}
