/** Stable codes of the posture area's thrown errors (bad input to pure functions, never I/O). */
export type PostureErrorCode = 'POLICY_INVALID' | 'BASELINE_INVALID';

/** Base class of errors raised by the pure posture functions; keeps its `cause`. */
export class PostureError extends Error {
  readonly code: PostureErrorCode;

  constructor(code: PostureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostureError';
    this.code = code;
  }
}
