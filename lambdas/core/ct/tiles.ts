/**
 * static-ct-api tiles (c2sp.org/static-ct-api, "Merkle Tree"): path encoding, which tile holds a
 * perfect subtree of a tree of a given size, and the subtree's hash from the tile's bytes. A reader asks
 * for the tiles of a proof's nodes, then computes the proof from them and verifies it like any other
 * (consistency.ts): a tile that lies fails that verification.
 */
import type { PerfectNode } from './consistency';
import { CtError } from './errors';
import { HASH_SIZE, nodeHash } from './merkle';

/** Hashes (or entries) of a full tile. */
export const TILE_WIDTH = 256;
/** Bits of tree height one tile level spans. */
export const TILE_HEIGHT = 8;
/** Highest tile level the spec allows (0–5). */
export const MAX_TILE_LEVEL = 5;

/** One tile: a hash tile (level 0–5) or a data tile, by index, full (256) or partial (width 1–255). */
export interface TileRef {
  level: number | 'data';
  index: number;
  width: number;
}

/** `x001/x234/067` for 1234067: three-digit groups, all but the last prefixed with `x`. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new CtError('CT_ENCODING_INVALID', `bad tile index ${index}`);
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The tile's path under the monitoring prefix: `tile/<L>/<N>[.p/<W>]` or `tile/data/<N>[.p/<W>]`. */
export function tilePath(tile: TileRef): string {
  const suffix = tile.width === TILE_WIDTH ? '' : `.p/${tile.width}`;
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${suffix}`;
}

/** A stable key for maps of fetched tiles. */
export function tileKey(tile: TileRef): string {
  return tilePath(tile);
}

/** Entries of level `level` (each a hash of 256^level leaves) in a tree of `treeSize` leaves. */
function entriesAtLevel(treeSize: number, level: number): number {
  return Math.floor(treeSize / TILE_WIDTH ** level);
}

/**
 * The tile at `level` and `index` as a tree of `treeSize` has it: full when the tree has all 256 of its
 * entries, else partial at the width the tree gives it (throws when the tree has none of it).
 */
export function tileAt(level: number | 'data', index: number, treeSize: number): TileRef {
  const entries = entriesAtLevel(treeSize, level === 'data' ? 0 : level);
  const width = Math.min(TILE_WIDTH, entries - index * TILE_WIDTH);
  if (width <= 0) {
    throw new CtError('CT_ENCODING_INVALID', `a tree of ${treeSize} has no tile ${level}/${index}`);
  }
  return { level, index, width };
}

/** Where a perfect subtree's hash comes from: a tile and the run of its entries the subtree covers. */
export interface NodeInTile {
  tile: TileRef;
  /** First entry of the tile under the subtree, and how many (a power of two ≤ 256). */
  offset: number;
  count: number;
}

/** The tile (as a tree of `treeSize` has it) holding a perfect subtree that lies inside that tree. */
export function nodeInTile(node: PerfectNode, treeSize: number): NodeInTile {
  const level = Math.floor(node.level / TILE_HEIGHT);
  if (level > MAX_TILE_LEVEL) throw new CtError('CT_ENCODING_INVALID', `no tile level above ${MAX_TILE_LEVEL}`);
  const count = 2 ** (node.level - level * TILE_HEIGHT);
  const first = node.index * count;
  const tile = tileAt(level, Math.floor(first / TILE_WIDTH), treeSize);
  const offset = first % TILE_WIDTH;
  if (offset + count > tile.width) {
    throw new CtError('CT_ENCODING_INVALID', `subtree ${node.level}/${node.index} is not inside a tree of ${treeSize}`);
  }
  return { tile, offset, count };
}

/** Checks that a hash tile has exactly its width's bytes (a truncated or oversized tile is refused). */
export function checkHashTile(tile: TileRef, bytes: Uint8Array): void {
  if (bytes.length !== tile.width * HASH_SIZE) {
    throw new CtError(
      'CT_ENCODING_INVALID',
      `${tilePath(tile)} has ${bytes.length} bytes, not ${tile.width * HASH_SIZE}`,
    );
  }
}

/** The hash of `count` entries of a hash tile from `offset`: the perfect subtree they are the leaves of. */
export function subtreeHash(bytes: Uint8Array, offset: number, count: number): Buffer {
  let level: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const at = (offset + i) * HASH_SIZE;
    level.push(Buffer.from(bytes.subarray(at, at + HASH_SIZE)));
  }
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}
