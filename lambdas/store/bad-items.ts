/**
 * Items a reader met but could not use (StoreError ITEM_INVALID): a listing reader leaves such an item
 * (or the one target it belongs to) out and carries on, so one bad item never hides the rest of the
 * history or stops the other targets being watched; the caller says which items were left out and how
 * to set them aside (`certwatch repair`, docs/cli.md "Bad items in a store").
 */
import { StoreError } from './errors';

/** The bad items met by one store's readers, in the order met (each item once). */
export class BadItems {
  private readonly met = new Map<string, StoreError>();

  /** The errors, one per bad item. */
  get found(): readonly StoreError[] {
    return [...this.met.values()];
  }

  /** Decodes each of `items`, leaving out (and noting) those whose decoding refuses them. */
  decodeEach<I, T>(items: readonly I[], decode: (item: I) => T): T[] {
    const decoded: T[] = [];
    for (const item of items) {
      try {
        decoded.push(decode(item));
      } catch (error) {
        if (!this.note(error)) throw error;
      }
    }
    return decoded;
  }

  /** Notes `error` when it is about a bad item (true), so the caller can leave that item out. */
  note(error: unknown): boolean {
    if (!(error instanceof StoreError) || error.code !== 'ITEM_INVALID') return false;
    this.met.set(error.message, error);
    return true;
  }
}
