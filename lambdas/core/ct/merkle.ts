/**
 * RFC 6962 §2.1 Merkle hashing and the compact range of a log prefix (its Merkle frontier): the perfect
 * subtrees that make up leaves [0, size), which is all a tailing reader must keep to compute the root of
 * the tree it has read, entry by entry (docs/ct.md, "What is verified").
 *
 * Sizes and indexes are plain numbers (exact up to 2^53, far beyond any log) and never go through
 * JavaScript's 32-bit bit operators.
 */
import { createHash } from 'node:crypto';
import { CtError } from './errors';

/** Bytes of a SHA-256 Merkle hash. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string: the root of an empty log. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The leaf hash SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** The interior node hash SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** How many one bits a non-negative integer has. */
export function bitCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

/** Whether n is a power of two (1, 2, 4, ...). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && bitCount(n) === 1;
}

/** The largest power of two strictly below n (n ≥ 2). */
export function largestPowerBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Folds subtree hashes, left to right, into the root of their concatenation (RFC 6962's unbalanced shape). */
export function foldRight(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]);
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i], acc);
  return acc;
}

/** A compact range as stored: the size and the frontier hashes, base64, left to right. */
export interface StoredCompactRange {
  size: number;
  nodes: string[];
}

/**
 * The compact range [0, size): one hash per one bit of `size`, for the perfect subtrees from the left
 * (largest) to the right (smallest). Appending a leaf merges the equal-sized subtrees at the right edge,
 * like a binary counter.
 */
export class CompactRange {
  private constructor(
    private sizeValue: number,
    private readonly nodes: Buffer[],
  ) {}

  /** The range of an empty log. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** A range from its frontier hashes (left to right); throws when their number does not fit the size. */
  static of(size: number, nodes: readonly Uint8Array[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0) throw new CtError('CT_ENCODING_INVALID', `bad tree size ${size}`);
    if (nodes.length !== bitCount(size) || nodes.some((n) => n.length !== HASH_SIZE)) {
      throw new CtError(
        'CT_ENCODING_INVALID',
        `a compact range of size ${size} has ${bitCount(size)} hashes of ${HASH_SIZE} bytes, not ${nodes.length}`,
      );
    }
    return new CompactRange(
      size,
      nodes.map((n) => Buffer.from(n)),
    );
  }

  /** Reads a stored range back (see {@link toStored}). */
  static fromStored(stored: StoredCompactRange): CompactRange {
    return CompactRange.of(
      stored.size,
      stored.nodes.map((n) => Buffer.from(n, 'base64')),
    );
  }

  /** Leaves covered. */
  get size(): number {
    return this.sizeValue;
  }

  /** The frontier hashes, left to right (copies). */
  frontier(): Buffer[] {
    return this.nodes.map((n) => Buffer.from(n));
  }

  /** Appends one leaf hash. */
  append(hash: Uint8Array): void {
    let node: Buffer = Buffer.from(hash);
    for (let size = this.sizeValue; size % 2 === 1; size = Math.floor(size / 2)) {
      node = nodeHash(this.nodes.pop() as Buffer, node);
    }
    this.nodes.push(node);
    this.sizeValue += 1;
  }

  /** MTH(D[0:size]). */
  root(): Buffer {
    return foldRight(this.nodes);
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.sizeValue, this.frontier());
  }

  /** The stored form. */
  toStored(): StoredCompactRange {
    return { size: this.sizeValue, nodes: this.nodes.map((n) => n.toString('base64')) };
  }
}
