/** Stable codes of the posture area's thrown errors (bad input to pure functions, never I/O). */
import { CertwatchError } from '../errors';
export type PostureErrorCode = 'POLICY_INVALID' | 'BASELINE_INVALID';

/** Base class of errors raised by the pure posture functions; keeps its `cause`. */
export class PostureError extends CertwatchError<PostureErrorCode> {
  override name = 'PostureError';
}
