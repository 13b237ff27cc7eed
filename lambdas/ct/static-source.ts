/**
 * A static-ct-api log (c2sp.org/static-ct-api): the checkpoint, hash tiles from which consistency proofs
 * are computed (consistency.ts gives the nodes, tiles.ts where they lie), and data tiles for entries —
 * fetched several at a time and handed over in order. A log may drop a partial tile once its full tile
 * exists (the spec allows it, and asks clients to fall back to the full tile): a partial tile that is
 * not found is taken from the start of the full one (docs/ct.md, "Tailing").
 */
import { verifyCheckpoint } from '../core/ct/checkpoint';
import { consistencyProofRanges, perfectNodes, rangeHash } from '../core/ct/consistency';
import { parseDataTile } from '../core/ct/entries';
import type { CtLogInfo } from '../core/ct/log-list';
import { HASH_SIZE } from '../core/ct/merkle';
import {
  checkHashTile,
  nodeInTile,
  subtreeHash,
  TILE_WIDTH,
  type TileRef,
  tileAt,
  tileKey,
  tilePath,
} from '../core/ct/tiles';
import { CtReadError } from './errors';
import type { Fetched } from './http';
import { ANSWER_LIMITS, type EntryBatch, type LogSource, requestTimeout, type SourceContext } from './log-source';

/** Opens a static-ct log. */
export function staticSource(log: CtLogInfo, context: SourceContext): LogSource {
  let wireBytes = 0;
  const hashTiles = new Map<string, Promise<Buffer>>();

  const fetch = async (path: string, maxBytes: number, maxInflatedBytes?: number) => {
    const got = await context.http.get(new URL(path, log.url).toString(), {
      timeoutMs: requestTimeout(context),
      maxBytes,
      maxInflatedBytes,
    });
    wireBytes += got.wireBytes;
    return got;
  };

  /** A tile as `ref` names it; a partial one that is gone, from the full tile (`full` says which it is). */
  const fetchTile = async (
    ref: TileRef,
    maxBytes: number,
    maxInflatedBytes?: number,
  ): Promise<Fetched & { full: boolean }> => {
    try {
      return { ...(await fetch(tilePath(ref), maxBytes, maxInflatedBytes)), full: ref.width === TILE_WIDTH };
    } catch (error) {
      if (!(error instanceof CtReadError && error.code === 'CT_NOT_FOUND') || ref.width === TILE_WIDTH) throw error;
      return { ...(await fetch(tilePath({ ...ref, width: TILE_WIDTH }), maxBytes, maxInflatedBytes)), full: true };
    }
  };

  const hashTile = (level: number, index: number, treeSize: number): Promise<Buffer> => {
    const ref = tileAt(level, index, treeSize);
    const key = tileKey(ref);
    let pending = hashTiles.get(key);
    if (!pending) {
      pending = fetchTile(ref, ANSWER_LIMITS.proof).then(({ body, full }) => {
        checkHashTile(full ? { ...ref, width: TILE_WIDTH } : ref, body);
        return body.subarray(0, ref.width * HASH_SIZE);
      });
      // A failed fetch is not cached: the next cycle asks again.
      pending.catch(() => hashTiles.delete(key));
      hashTiles.set(key, pending);
    }
    return pending;
  };

  return {
    get wireBytes() {
      return wireBytes;
    },

    async head() {
      const { body } = await fetch('checkpoint', ANSWER_LIMITS.head);
      return verifyCheckpoint(body, log.key, log.origin as string);
    },

    async consistency(first, second) {
      const ranges = consistencyProofRanges(first, second);
      const nodes = ranges.flatMap((range) => perfectNodes(range));
      const tiles = new Map<string, Buffer>();
      await Promise.all(
        nodes.map(async (node) => {
          const where = nodeInTile(node, second);
          tiles.set(tileKey(where.tile), await hashTile(where.tile.level as number, where.tile.index, second));
        }),
      );
      return ranges.map((range) =>
        rangeHash(range, (node) => {
          const where = nodeInTile(node, second);
          return subtreeHash(tiles.get(tileKey(where.tile)) as Buffer, where.offset, where.count);
        }),
      );
    },

    async *entries(start, end, treeSize, keepGoing): AsyncGenerator<EntryBatch> {
      const first = Math.floor(start / TILE_WIDTH);
      const last = Math.floor((end - 1) / TILE_WIDTH);
      const load = async (index: number): Promise<EntryBatch> => {
        // The tile as the verified head has it: a partial tile of another width may not be served.
        const ref = tileAt('data', index, treeSize);
        const got = await fetchTile(ref, ANSWER_LIMITS.dataTileWire, ANSWER_LIMITS.dataTileInflated);
        let parsed: ReturnType<typeof parseDataTile>;
        try {
          parsed = parseDataTile(got.body, index * TILE_WIDTH, got.full ? TILE_WIDTH : ref.width);
        } catch (error) {
          const path = tilePath(got.full ? { ...ref, width: TILE_WIDTH } : ref);
          throw new CtReadError('CT_BAD_ANSWER', `${path}: ${(error as Error).message}`, { cause: error });
        }
        const entries = parsed.filter((e) => e.index >= start && e.index < end);
        return { entries, wireBytes: got.wireBytes };
      };
      const inFlight: Array<Promise<EntryBatch>> = [];
      let next = first;
      const fill = () => {
        while (next <= last && inFlight.length < context.parallel) {
          const pending = load(next++);
          pending.catch(() => undefined);
          inFlight.push(pending);
        }
      };
      fill();
      while (inFlight.length > 0) {
        const batch = await (inFlight.shift() as Promise<EntryBatch>);
        yield batch;
        if (!keepGoing()) return;
        fill();
      }
    },
  };
}
