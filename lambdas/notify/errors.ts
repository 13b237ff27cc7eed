/**
 * Errors of the notify area: a delivery that failed (the notice stays pending) or a topic that cannot be.
 */
/** Stable codes of notify errors. */
export type NotifyErrorCode = 'PUBLISH_FAILED' | 'TOPIC_ARN_INVALID';

/** Base class of errors raised while delivering notices. */
export class NotifyError extends Error {
  readonly code: NotifyErrorCode;

  constructor(code: NotifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifyError';
    this.code = code;
  }
}
