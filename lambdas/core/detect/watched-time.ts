/**
 * Watched time (docs/rollouts.md, "Watched time"): durations of the rollout model are counted on a clock
 * that advances, in each cycle observing a key type, by the time since its previous observation — at most
 * {@link PAUSE_FACTOR} times the target's cadence, so a pause of the watcher (an outage, a removal and
 * re-add) is neither evidence nor gap. Also the hysteresis a return leaves for a while.
 */
import type { KeyTypeEvidence } from '../history';
import { round2 } from './bounds';
import type { DetectContext } from './context';

const MINUTE_MS = 60_000;

/** An interval between two cycles counts at most this many times the target's cadence (a pause beyond). */
export const PAUSE_FACTOR = 3;
/** Before a cadence is known (the second cycle), an interval counts at most this many minutes. */
const FIRST_INTERVAL_CAP_MINUTES = 60;
/** The cadence after this cycle: a moving estimate of the minutes between cycles, robust to one pause. */
export function nextCadence(previous: number | undefined, lastCycleAt: string | null, now: Date): number | undefined {
  if (lastCycleAt === null) return previous;
  const minutes = (now.getTime() - Date.parse(lastCycleAt)) / MINUTE_MS;
  if (minutes <= 0) return previous;
  if (previous === undefined) return Math.round(Math.min(minutes, 360) * 10) / 10;
  return Math.round((0.8 * previous + 0.2 * Math.min(minutes, 4 * previous)) * 10) / 10;
}

/** Watched hours of the interval from `fromIso` to this cycle: at most {@link PAUSE_FACTOR} × the cadence (a pause). */
export function countedHours(ctx: DetectContext, fromIso: string): number {
  const minutes = (ctx.now.getTime() - Date.parse(fromIso)) / MINUTE_MS;
  if (!(minutes > 0)) return 0;
  const cap = ctx.prev.cadence === undefined ? FIRST_INTERVAL_CAP_MINUTES : PAUSE_FACTOR * ctx.prev.cadence;
  return round2(Math.min(minutes, cap) / 60);
}

/** The hysteresis factor of a key type (1 when none). */
export function holdFactor(keyType: KeyTypeEvidence | undefined): number {
  return keyType?.hold?.factor ?? 1;
}

/** A week of watched time without a return halves the hysteresis factor. */
const HOLD_HALVES_AFTER_HOURS = 7 * 24;

export function decayHold(hold: KeyTypeEvidence['hold'], clock: number): KeyTypeEvidence['hold'] {
  if (!hold) return undefined;
  if (clock - hold.since < HOLD_HALVES_AFTER_HOURS) return hold;
  const factor = hold.factor / 2;
  return factor <= 1 ? undefined : { factor, since: clock };
}
