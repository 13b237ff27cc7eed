/**
 * DER elements read from a stream, chunk by chunk, on the strict reader of der.ts: the next element's
 * header as soon as it has arrived, the element whole once it has (up to a size cap), and never more
 * than one element and one chunk held. The CRL scanner (lambdas/core/revocation/crl-scanner.ts) reads a
 * list of a million entries through it without holding the list.
 */
import { DerError, readHeader, type TlvHeader } from './der';

/** A stream of DER octets being read. */
export class DerStream {
  #pending: Buffer = Buffer.alloc(0);
  /** Offset in the stream of `#pending[0]`: the octets consumed so far. */
  #position = 0;

  /** Octets consumed so far (the offset of the next element). */
  get position(): number {
    return this.#position;
  }

  /** Octets received but not consumed yet. */
  get buffered(): number {
    return this.#pending.length;
  }

  /** Appends the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#pending = this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
  }

  /** The header of the next element, or null until it has arrived. */
  header(): TlvHeader | null {
    return readHeader(this.#pending, 0, this.#pending.length);
  }

  /**
   * The next element whole (consumed), or null until all of it has arrived.
   * @throws DerError when it would end past `containerEnd` (a stream offset) or is larger than `maxBytes`.
   */
  take(containerEnd: number, what: string, maxBytes: number): Buffer | null {
    const header = this.header();
    if (!header) return null;
    const total = header.headerLength + header.length;
    if (this.#position + total > containerEnd) throw new DerError(`${what} runs past the end of its container`);
    if (total > maxBytes) throw new DerError(`${what} of ${total} octets exceeds the ${maxBytes}-octet element limit`);
    if (this.#pending.length < total) return null;
    return this.consume(total);
  }

  /** Consumes `count` octets that have arrived (a header read with {@link header}); returns them. */
  consume(count: number): Buffer {
    if (count > this.#pending.length) throw new DerError('consumed past what has arrived');
    const bytes = this.#pending.subarray(0, count);
    this.#pending = this.#pending.subarray(count);
    this.#position += count;
    return bytes;
  }
}
