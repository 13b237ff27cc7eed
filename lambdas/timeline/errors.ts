/**
 * Errors of the timeline area: input that cannot be drawn. Each carries a stable `code`.
 */
export type TimelineErrorCode = 'WINDOW_INVALID' | 'WIDTH_INVALID';

/** Base class of errors raised while laying out a timeline (bad input, never I/O). */
export class TimelineError extends Error {
  readonly code: TimelineErrorCode;

  constructor(code: TimelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TimelineError';
    this.code = code;
  }
}
