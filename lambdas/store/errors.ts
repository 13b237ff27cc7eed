/**
 * Errors of the store area. Each carries a stable `code` in data and keeps its `cause`.
 */
import { CertwatchError } from '../core/errors';
export type StoreErrorCode =
  | 'TABLE_MISSING'
  | 'TABLE_NAME_INVALID'
  | 'STORE_UNAVAILABLE'
  | 'STORE_LOCKED'
  | 'STORE_DAMAGED'
  | 'STORE_INVALID'
  | 'STORE_READ_ONLY'
  | 'IMPORT_INVALID'
  | 'IMPORT_NOT_EMPTY'
  | 'ITEM_INVALID'
  | 'EMBEDDED_START_FAILED';

/** Base class of errors raised by the history store and the embedded engine. */
export class StoreError extends CertwatchError<StoreErrorCode> {
  override name = 'StoreError';
}
