/**
 * Consistency between two tree heads: the proof's shape (RFC 6962 §2.1.2, as ranges of leaves, so a tiled
 * log's proof can be assembled from its tiles) and its verification (RFC 9162 §2.1.4.2), which also
 * yields the compact range of the older tree: what a reader needs to resume from a head it never read up to.
 */
import { CtError } from './errors';
import { CompactRange, foldRight, HASH_SIZE, isPowerOfTwo, largestPowerBelow, nodeHash } from './merkle';

/** Leaves [start, end) of the tree: one node of a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

/** One perfect subtree: leaves [index·2^level, (index+1)·2^level). */
export interface PerfectNode {
  level: number;
  index: number;
}

function fail(message: string): never {
  throw new CtError('CT_PROOF_INVALID', message);
}

/**
 * The nodes of the consistency proof from size `first` to size `second` (0 < first < second), in the
 * order the proof lists them (RFC 6962 §2.1.2 PROOF/SUBPROOF, deepest first).
 */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  if (!(first > 0 && first < second)) return [];
  const out: LeafRange[] = [];
  const sub = (m: number, start: number, end: number, whole: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!whole) out.push({ start, end });
      return;
    }
    const k = largestPowerBelow(n);
    if (m <= k) {
      sub(m, start, start + k, whole);
      out.push({ start: start + k, end });
    } else {
      sub(m - k, start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  sub(first, 0, second, true);
  return out;
}

/**
 * The perfect subtrees whose hashes, folded right to left, give the hash of a proof range (a range of a
 * proof starts at a multiple of its largest subtree, so the greedy split is RFC 6962's shape).
 */
export function perfectNodes(range: LeafRange): PerfectNode[] {
  const out: PerfectNode[] = [];
  let at = range.start;
  while (at < range.end) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= range.end) {
      size *= 2;
      level += 1;
    }
    out.push({ level, index: at / size });
    at += size;
  }
  return out;
}

/** The hash of a proof range from the hashes of its perfect subtrees. */
export function rangeHash(range: LeafRange, node: (n: PerfectNode) => Uint8Array): Buffer {
  return foldRight(perfectNodes(range).map(node));
}

/** A consistency proof that verified. */
export interface VerifiedConsistency {
  /**
   * The compact range of the older tree, authenticated by the newer root; null when the proof cannot
   * tell it (equal sizes of more than one subtree).
   */
  older: CompactRange | null;
}

/**
 * Runs a consistency proof from size `first` up to the root of size `second` (RFC 9162 §2.1.4.2) without
 * knowing the older root: the proof's nodes for the older tree are authenticated by the newer root alone,
 * which gives the older tree's compact range (a reader resuming, or starting, at `first`). Throws
 * CtError CT_PROOF_INVALID when the proof does not lead to `secondRoot`.
 */
export function consistencyFrontier(
  first: number,
  second: number,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
  knownFirstRoot?: Uint8Array,
): CompactRange {
  if (proof.some((p) => p.length !== HASH_SIZE)) fail('a proof hash is not 32 bytes');
  if (!(first > 0 && first < second)) fail(`no consistency proof from ${first} to ${second}`);
  // The proof omits the older root when it is one subtree (a power of two): the caller must know it.
  const powerOfTwo = isPowerOfTwo(first);
  const path = powerOfTwo ? [knownFirstRoot ?? null, ...proof] : [...proof];
  if (path.length === 0) fail(`an empty proof from ${first} to ${second}`);
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const start = path[0];
  if (start === null) fail(`the root at ${first} is needed to check this proof`);
  let fr: Buffer = Buffer.from(start);
  let sr: Buffer = Buffer.from(start);
  const frontier: Buffer[] = [Buffer.from(start)];
  for (const c of path.slice(1) as Uint8Array[]) {
    if (sn === 0) fail(`the proof from ${first} to ${second} is too long`);
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      frontier.push(Buffer.from(c));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail(`the proof from ${first} to ${second} is too short`);
  if (!sr.equals(Buffer.from(secondRoot))) fail(`the proof does not lead to the root at size ${second}`);
  const older = CompactRange.of(first, frontier.reverse());
  if (knownFirstRoot && !fr.equals(Buffer.from(knownFirstRoot))) {
    fail(`the proof does not lead to the root at size ${first}`);
  }
  return older;
}

/**
 * Verifies that the tree of size `second` with root `secondRoot` extends the tree of size `first` with
 * root `firstRoot` (RFC 9162 §2.1.4.2). Throws CtError CT_PROOF_INVALID when it does not.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): VerifiedConsistency {
  if (proof.some((p) => p.length !== HASH_SIZE)) fail('a proof hash is not 32 bytes');
  if (first > second) fail(`the tree shrank from ${first} to ${second}`);
  if (first === second) {
    if (proof.length > 0) fail('a proof between equal sizes must be empty');
    if (!Buffer.from(firstRoot).equals(Buffer.from(secondRoot))) fail(`two different roots at size ${first}`);
    return {
      older: isPowerOfTwo(first) ? CompactRange.of(first, [firstRoot]) : first === 0 ? CompactRange.empty() : null,
    };
  }
  if (first === 0) {
    if (proof.length > 0) fail('a proof from the empty tree must be empty');
    return { older: CompactRange.empty() };
  }
  if (proof.length === 0) fail(`an empty proof from ${first} to ${second}`);
  return { older: consistencyFrontier(first, second, secondRoot, proof, firstRoot) };
}
