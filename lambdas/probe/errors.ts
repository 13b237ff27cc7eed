import type { ProbeErrorCode } from '../core/observation';

/** A classified failure of one probe step; `code` is the observation's stable error code. */
export class ProbeError extends Error {
  readonly code: ProbeErrorCode;

  constructor(code: ProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
    this.code = code;
  }
}
