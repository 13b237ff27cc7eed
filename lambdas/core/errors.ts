/**
 * Errors of the core area. Each carries a stable `code` in data and keeps its `cause`.
 */
export type CoreErrorCode =
  | 'TARGET_INVALID'
  | 'EHLO_INVALID'
  | 'RESOLVE_INVALID'
  | 'CHAIN_UNPARSEABLE'
  | 'TRUST_INVALID'
  | 'POLICY_INVALID';

/** Base class of errors raised by pure core functions (bad input, never I/O). */
export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}
