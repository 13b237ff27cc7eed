/**
 * The one error shape of certwatch: every area's error extends {@link CertwatchError}, carrying a stable
 * `code` in data (what tests, the CLI and logs branch on) and keeping its `cause`.
 */

/**
 * Base of every area's error class (CoreError, DerError, PostureError, ProbeError, StoreError,
 * NotifyError, TimelineError, UsageError). Subclasses set `name` as a literal, so it survives
 * minification in the Lambda bundle.
 */
export abstract class CertwatchError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Stable codes of core errors. */
export type CoreErrorCode =
  | 'TARGET_INVALID'
  | 'EHLO_INVALID'
  | 'RESOLVE_INVALID'
  | 'DNS_INVALID'
  | 'CHAIN_UNPARSEABLE'
  | 'TRUST_INVALID'
  | 'POLICY_INVALID';

/** Errors raised by pure core functions (bad input, never I/O). */
export class CoreError extends CertwatchError<CoreErrorCode> {
  override name = 'CoreError';
}
