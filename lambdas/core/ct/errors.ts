/** Stable codes of the Certificate Transparency core's thrown errors (bad input, never I/O). */
import { CertwatchError } from '../errors';

/**
 * - CT_ENCODING_INVALID: bytes that are not what the RFC 6962 / static-ct-api structure says (a truncated
 *   leaf, a tile of the wrong length, a checkpoint that is not a signed note).
 * - CT_SIGNATURE_INVALID: a tree head whose signature does not verify with the log's key.
 * - CT_PROOF_INVALID: a Merkle proof or a computed root that disagrees with a signed tree head.
 * - CT_LOG_LIST_INVALID: a log list that is not the Chrome v3 schema, or whose signature does not verify.
 * - CT_KEY_INVALID: a log key that is not a usable SubjectPublicKeyInfo.
 */
export type CtErrorCode =
  | 'CT_ENCODING_INVALID'
  | 'CT_SIGNATURE_INVALID'
  | 'CT_PROOF_INVALID'
  | 'CT_LOG_LIST_INVALID'
  | 'CT_KEY_INVALID';

/** Base class of errors raised by the pure CT functions; keeps its `cause`. */
export class CtError extends CertwatchError<CtErrorCode> {
  override name = 'CtError';
}
