/**
 * Errors of the notify area: a delivery that failed (the notice stays pending) or a topic that cannot be.
 */
import { CertwatchError } from '../core/errors';
/** Stable codes of notify errors. */
export type NotifyErrorCode = 'PUBLISH_FAILED' | 'TOPIC_ARN_INVALID';

/** Base class of errors raised while delivering notices. */
export class NotifyError extends CertwatchError<NotifyErrorCode> {
  override name = 'NotifyError';
}
