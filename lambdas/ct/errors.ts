/** Stable codes of the CT adapter's errors: what went wrong reading a log or the log list. */
import { CertwatchError } from '../core/errors';

/**
 * - CT_TIMEOUT: no complete answer within the deadline.
 * - CT_TOO_LARGE: an answer past its byte cap (compressed or inflated: a gzip bomb stops here).
 * - CT_NOT_FOUND: HTTP 404 (a missing list signature, a tile not served).
 * - CT_HTTP_STATUS: any other status than 200.
 * - CT_NETWORK: the connection failed (refused, reset, TLS).
 * - CT_BAD_ANSWER: an answer that does not decode (JSON, gzip, a tile or entry of the wrong shape).
 * - CT_INCONSISTENT: the log contradicted itself or its key (signature, fork, shrinking tree, a root
 *   the entries do not give): its new entries are not used.
 * - CT_LIST_UNAVAILABLE: no log list could be read or verified, and none is cached.
 */
export type CtReadErrorCode =
  | 'CT_TIMEOUT'
  | 'CT_TOO_LARGE'
  | 'CT_NOT_FOUND'
  | 'CT_HTTP_STATUS'
  | 'CT_NETWORK'
  | 'CT_BAD_ANSWER'
  | 'CT_INCONSISTENT'
  | 'CT_LIST_UNAVAILABLE';

/** An error of the CT adapter; `cause` kept. */
export class CtReadError extends CertwatchError<CtReadErrorCode> {
  override name = 'CtReadError';
}
