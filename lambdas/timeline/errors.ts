/**
 * Errors of the timeline area: input that cannot be drawn. Each carries a stable `code`.
 */
import { CertwatchError } from '../core/errors';
export type TimelineErrorCode = 'WINDOW_INVALID' | 'WIDTH_INVALID';

/** Base class of errors raised while laying out a timeline (bad input, never I/O). */
export class TimelineError extends CertwatchError<TimelineErrorCode> {
  override name = 'TimelineError';
}
