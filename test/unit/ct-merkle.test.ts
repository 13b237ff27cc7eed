/**
 * RFC 6962 Merkle hashing, compact ranges and consistency proofs, against a reference written here straight
 * from the RFC's recursive definitions (MTH, PROOF/SUBPROOF), independent of the code under test.
 */
import { createHash } from 'node:crypto';
import { consistencyProofRanges, perfectNodes, rangeHash, verifyConsistency } from '../../lambdas/core/ct/consistency';
import { CtError } from '../../lambdas/core/ct/errors';
import { CompactRange, EMPTY_ROOT, leafHash } from '../../lambdas/core/ct/merkle';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The leaves: D[i] = "leaf i". */
const leaf = (i: number) => Buffer.from(`leaf ${i}`);

/** MTH(D[start:end]) exactly as RFC 6962 §2.1 defines it. */
function mth(start: number, end: number, memo = new Map<string, Buffer>()): Buffer {
  const key = `${start}:${end}`;
  const known = memo.get(key);
  if (known) return known;
  const n = end - start;
  let out: Buffer;
  if (n === 0) out = sha();
  else if (n === 1) out = sha(Buffer.from([0]), leaf(start));
  else {
    let k = 1;
    while (k * 2 < n) k *= 2;
    out = sha(Buffer.from([1]), mth(start, start + k, memo), mth(start + k, end, memo));
  }
  memo.set(key, out);
  return out;
}

/** PROOF(m, D[n]) exactly as RFC 6962 §2.1.2 defines it. */
function referenceProof(m: number, n: number, memo: Map<string, Buffer>): Buffer[] {
  const sub = (mm: number, start: number, end: number, b: boolean): Buffer[] => {
    const size = end - start;
    if (mm === size) return b ? [] : [mth(start, end, memo)];
    let k = 1;
    while (k * 2 < size) k *= 2;
    if (mm <= k) return [...sub(mm, start, start + k, b), mth(start + k, end, memo)];
    return [...sub(mm - k, start + k, end, false), mth(start, start + k, memo)];
  };
  return sub(m, 0, n, true);
}

/** The reference compact range of [0, size): MTH of each perfect subtree, left to right. */
function referenceFrontier(size: number, memo: Map<string, Buffer>): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let bit = 2 ** 52; bit >= 1; bit /= 2) {
    if (Math.floor(size / bit) % 2 === 1) {
      out.push(mth(at, at + bit, memo));
      at += bit;
    }
  }
  return out;
}

test('a compact range fed leaf by leaf has the RFC 6962 root at every size', () => {
  // Prepare
  const memo = new Map<string, Buffer>();
  const range = CompactRange.empty();

  // Act / Assess
  expect(range.root()).toEqual(EMPTY_ROOT);
  for (let size = 1; size <= 300; size++) {
    range.append(leafHash(leaf(size - 1)));
    expect(range.size).toBe(size);
    expect(range.root().toString('hex')).toBe(mth(0, size, memo).toString('hex'));
  }
  expect(range.frontier()).toEqual(referenceFrontier(300, memo));
});

test('a stored compact range reads back to the same root, and one with the wrong number of hashes is refused', () => {
  // Prepare
  const range = CompactRange.empty();
  for (let i = 0; i < 77; i++) range.append(leafHash(leaf(i)));

  // Act
  const back = CompactRange.fromStored(JSON.parse(JSON.stringify(range.toStored())));

  // Assess
  expect(back.root()).toEqual(range.root());
  expect(() => CompactRange.of(77, range.frontier().slice(1))).toThrow(CtError);
});

test('every consistency proof up to 64 leaves verifies and yields the older compact range', () => {
  // Prepare
  const memo = new Map<string, Buffer>();

  for (let n = 2; n <= 64; n++) {
    for (let m = 1; m < n; m++) {
      // Act
      const proof = referenceProof(m, n, memo);
      const result = verifyConsistency(m, n, mth(0, m, memo), mth(0, n, memo), proof);

      // Assess
      const hex = (hashes: Buffer[] | undefined) => (hashes ?? []).map((h) => h.toString('hex')).join();
      expect(hex(result.older?.frontier())).toBe(hex(referenceFrontier(m, memo)));
      const ranges = consistencyProofRanges(m, n);
      const fromRanges = ranges.map((r) =>
        rangeHash(r, (p) => mth(p.index * 2 ** p.level, (p.index + 1) * 2 ** p.level, memo)),
      );
      expect(hex(fromRanges)).toBe(hex(proof));
    }
  }
});

test('a proof between large trees verifies (sizes past 2^32 use no 32-bit arithmetic)', () => {
  // Prepare: a tree whose leaves are all equal, so a perfect subtree's hash depends only on its height.
  const byLevel = [sha(Buffer.from([0]), Buffer.from('same'))];
  for (let l = 1; l <= 40; l++) byLevel.push(sha(Buffer.from([1]), byLevel[l - 1], byLevel[l - 1]));
  const node = (p: { level: number }) => byLevel[p.level];
  const rootOf = (size: number) => rangeHash({ start: 0, end: size }, node);
  const m = 2 ** 33 + 3;
  const n = 2 ** 33 + 2 ** 20 + 5;
  const proof = consistencyProofRanges(m, n).map((r) => rangeHash(r, node));

  // Act
  const result = verifyConsistency(m, n, rootOf(m), rootOf(n), proof);

  // Assess
  expect(perfectNodes({ start: 0, end: m }).map((p) => p.level)).toEqual([33, 1, 0]);
  expect(result.older?.root()).toEqual(rootOf(m));
  expect(() => verifyConsistency(m, n, rootOf(m + 1), rootOf(n), proof)).toThrow(CtError);
});

test('a proof with any hash changed, one missing or one extra is refused', () => {
  // Prepare
  const memo = new Map<string, Buffer>();
  const m = 13;
  const n = 50;
  const proof = referenceProof(m, n, memo);
  const [oldRoot, newRoot] = [mth(0, m, memo), mth(0, n, memo)];

  // Act / Assess
  for (let i = 0; i < proof.length; i++) {
    const forged = proof.map((p, j) => (j === i ? sha(p) : p));
    expect(() => verifyConsistency(m, n, oldRoot, newRoot, forged)).toThrow(/proof/);
  }
  expect(() => verifyConsistency(m, n, oldRoot, newRoot, proof.slice(1))).toThrow(CtError);
  expect(() => verifyConsistency(m, n, oldRoot, newRoot, [...proof, proof[0]])).toThrow(CtError);
  expect(() => verifyConsistency(m, n, newRoot, newRoot, proof)).toThrow(CtError);
});

test('a tree that shrank, or two roots at the same size, is inconsistent', () => {
  // Prepare
  const memo = new Map<string, Buffer>();

  // Act / Assess
  expect(() => verifyConsistency(10, 9, mth(0, 10, memo), mth(0, 9, memo), [])).toThrow(/shrank/);
  expect(() => verifyConsistency(10, 10, mth(0, 10, memo), mth(0, 9, memo), [])).toThrow(/different roots/);
  expect(verifyConsistency(10, 10, mth(0, 10, memo), mth(0, 10, memo), []).older).toBeNull();
  expect(verifyConsistency(8, 8, mth(0, 8, memo), mth(0, 8, memo), []).older?.root()).toEqual(mth(0, 8, memo));
  expect(verifyConsistency(0, 5, EMPTY_ROOT, mth(0, 5, memo), []).older?.size).toBe(0);
});
