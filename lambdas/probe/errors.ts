import { CertwatchError } from '../core/errors';
import type { ProbeErrorCode } from '../core/observation';

/** A classified failure of one probe step; `code` is the observation's stable error code. */
export class ProbeError extends CertwatchError<ProbeErrorCode> {
  override name = 'ProbeError';
}
