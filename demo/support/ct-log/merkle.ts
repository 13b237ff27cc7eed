/**
 * The test log's own Merkle tree, written from RFC 6962 §2.1 (MTH, PATH, PROOF) without the production
 * code, so the client is checked against a separate implementation. Perfect subtrees are memoised;
 * changing a leaf (a fork) drops the memo.
 */
import { createHash } from 'node:crypto';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** An append-only list of leaf hashes with its Merkle hashes. */
export class TestTree {
  private readonly leaves: Buffer[] = [];
  private memo = new Map<string, Buffer>();

  get size(): number {
    return this.leaves.length;
  }

  /** Appends the leaf hash of a MerkleTreeLeaf: SHA-256(0x00 || leaf). */
  appendLeaf(leaf: Uint8Array): void {
    this.leaves.push(sha(Buffer.from([0]), leaf));
  }

  /** Replaces a leaf (the log lies about its past: a fork). */
  replaceLeaf(index: number, leaf: Uint8Array): void {
    this.leaves[index] = sha(Buffer.from([0]), leaf);
    this.memo = new Map();
  }

  /** MTH(D[start:end]). */
  hash(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return sha();
    if (n === 1) return this.leaves[start];
    const perfect = (n & (n - 1)) === 0;
    const key = `${start}+${n}`;
    if (perfect) {
      const known = this.memo.get(key);
      if (known) return known;
    }
    let k = 1;
    while (k * 2 < n) k *= 2;
    const out = sha(Buffer.from([1]), this.hash(start, start + k), this.hash(start + k, end));
    if (perfect) this.memo.set(key, out);
    return out;
  }

  /** PROOF(m, D[n]) of RFC 6962 §2.1.2. */
  consistency(m: number, n: number): Buffer[] {
    if (m <= 0 || m >= n) return [];
    const sub = (mm: number, start: number, end: number, whole: boolean): Buffer[] => {
      const size = end - start;
      if (mm === size) return whole ? [] : [this.hash(start, end)];
      let k = 1;
      while (k * 2 < size) k *= 2;
      if (mm <= k) return [...sub(mm, start, start + k, whole), this.hash(start + k, end)];
      return [...sub(mm - k, start + k, end, false), this.hash(start, start + k)];
    };
    return sub(m, 0, n, true);
  }

  /** The hash tile at `level`, index `index`, as a tree of `size` has it (static-ct-api). */
  tile(level: number, index: number, size: number): Buffer | null {
    const span = 256 ** level;
    const entries = Math.floor(size / span);
    const width = Math.min(256, entries - index * 256);
    if (width <= 0) return null;
    const parts: Buffer[] = [];
    for (let i = 0; i < width; i++) {
      const first = (index * 256 + i) * span;
      parts.push(this.hash(first, first + span));
    }
    return Buffer.concat(parts);
  }
}
