/**
 * static-ct-api tiles: path encoding as the spec's examples give it, and subtree hashes read from tiles
 * built here from the spec's formula (the n-th tile at level l holds MTH of 256^l leaves per entry).
 */
import { createHash } from 'node:crypto';
import { consistencyProofRanges, perfectNodes, rangeHash, verifyConsistency } from '../../lambdas/core/ct/consistency';
import { CtError } from '../../lambdas/core/ct/errors';
import {
  checkHashTile,
  encodeTileIndex,
  nodeInTile,
  subtreeHash,
  type TileRef,
  tileAt,
  tileKey,
  tilePath,
} from '../../lambdas/core/ct/tiles';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function referenceTree() {
  const memo = new Map<string, Buffer>();
  const mth = (start: number, end: number): Buffer => {
    const key = `${start}:${end}`;
    const known = memo.get(key);
    if (known) return known;
    const n = end - start;
    let out: Buffer;
    if (n === 1) out = sha(Buffer.from([0]), Buffer.from(`leaf ${start}`));
    else {
      let k = 1;
      while (k * 2 < n) k *= 2;
      out = sha(Buffer.from([1]), mth(start, start + k), mth(start + k, end));
    }
    memo.set(key, out);
    return out;
  };
  /** The tile as the spec defines it, in a tree of `size`. */
  const tile = (ref: TileRef): Buffer => {
    const level = ref.level as number;
    const span = 256 ** level;
    const parts: Buffer[] = [];
    for (let i = 0; i < ref.width; i++) {
      const first = (ref.index * 256 + i) * span;
      parts.push(mth(first, first + span));
    }
    return Buffer.concat(parts);
  };
  return { mth, tile };
}

test('tile paths follow the spec: three-digit groups with x prefixes, .p/W for partial tiles', () => {
  // Act / Assess
  expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
  expect(encodeTileIndex(0)).toBe('000');
  expect(encodeTileIndex(1000)).toBe('x001/000');
  expect(tilePath({ level: 0, index: 273, width: 112 })).toBe('tile/0/273.p/112');
  expect(tilePath({ level: 'data', index: 5, width: 256 })).toBe('tile/data/005');
  expect(tileKey({ level: 2, index: 0, width: 1 })).toBe('tile/2/000.p/1');
});

test('a tree of 70,000 has the tiles the spec lists (273 full level-0 tiles, a partial of 112, ...)', () => {
  // Act / Assess
  expect(tileAt(0, 272, 70_000).width).toBe(256);
  expect(tileAt(0, 273, 70_000).width).toBe(112);
  expect(tileAt(1, 0, 70_000).width).toBe(256);
  expect(tileAt(1, 1, 70_000).width).toBe(17);
  expect(tileAt(2, 0, 70_000).width).toBe(1);
  expect(() => tileAt(0, 274, 70_000)).toThrow(CtError);
  expect(tileAt(1, 0, 256).width).toBe(1);
});

test('every perfect subtree of a tiled tree hashes to its MTH from the tile that holds it', () => {
  // Prepare
  const size = 256 * 256 + 700;
  const { mth, tile } = referenceTree();
  const checked: string[] = [];

  // Act / Assess: the right edge at every level and a sample across the tree.
  for (const end of [size, 65_536, 65_537, 70, 256 * 3 + 1, 60_000]) {
    for (const node of perfectNodes({ start: 0, end })) {
      const where = nodeInTile(node, size);
      const bytes = tile(where.tile);
      checkHashTile(where.tile, bytes);
      const first = node.index * 2 ** node.level;
      expect(subtreeHash(bytes, where.offset, where.count).equals(mth(first, first + 2 ** node.level))).toBe(true);
      checked.push(`${node.level}/${node.index}`);
    }
  }
  expect(checked).toContain('16/0');
});

test('a consistency proof assembled from tiles verifies between two sizes of the tree', () => {
  // Prepare
  const { mth, tile } = referenceTree();
  const [m, n] = [1_000, 66_000];

  // Act
  const proof = consistencyProofRanges(m, n).map((range) =>
    rangeHash(range, (node) => {
      const where = nodeInTile(node, n);
      return subtreeHash(tile(where.tile), where.offset, where.count);
    }),
  );

  // Assess
  expect(verifyConsistency(m, n, mth(0, m), mth(0, n), proof).older?.root()).toEqual(mth(0, m));
});

test('a hash tile of the wrong length (truncated or oversized) is refused', () => {
  // Prepare
  const ref: TileRef = { level: 0, index: 0, width: 3 };

  // Act / Assess
  expect(() => checkHashTile(ref, Buffer.alloc(95))).toThrow(/96/);
  expect(() => checkHashTile(ref, Buffer.alloc(97))).toThrow(CtError);
  expect(() => checkHashTile(ref, Buffer.alloc(96))).not.toThrow();
});
