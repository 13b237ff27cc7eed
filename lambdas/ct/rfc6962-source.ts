/**
 * An RFC 6962 log (§4): `get-sth`, `get-sth-consistency` and `get-entries`. A log answers get-entries
 * with at most its own batch size, so windows are asked several at a time and any part a log left out is
 * asked again before the next window is handed over.
 */
import { parseMerkleTreeLeaf } from '../core/ct/entries';
import type { CtLogInfo } from '../core/ct/log-list';
import { verifySth } from '../core/ct/tree-head';
import { CtReadError } from './errors';
import { ANSWER_LIMITS, type EntryBatch, type LogSource, requestTimeout, type SourceContext } from './log-source';

/** Entries asked per get-entries request. */
export const GET_ENTRIES_WINDOW = 256;

function decodeJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new CtReadError('CT_BAD_ANSWER', `${what}: not JSON`, { cause: error });
  }
}

function base64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new CtReadError('CT_BAD_ANSWER', `${what} is not base64`);
  }
  return Buffer.from(value, 'base64');
}

/** Opens an RFC 6962 log. */
export function rfc6962Source(log: CtLogInfo, context: SourceContext): LogSource {
  let wireBytes = 0;
  const get = async (path: string, maxBytes: number, what: string) => {
    const got = await context.http.get(new URL(path, log.url).toString(), {
      timeoutMs: requestTimeout(context),
      maxBytes,
    });
    wireBytes += got.wireBytes;
    return { json: decodeJson(got.body, what), wireBytes: got.wireBytes };
  };

  /** Entries from `start` (at most `count`), as one answer gives them (possibly fewer). */
  const fetchWindow = async (start: number, count: number): Promise<EntryBatch> => {
    const { json, wireBytes: bytes } = await get(
      `ct/v1/get-entries?start=${start}&end=${start + count - 1}`,
      ANSWER_LIMITS.entries,
      'get-entries',
    );
    const items = (json as { entries?: unknown }).entries;
    if (!Array.isArray(items) || items.length === 0 || items.length > count) {
      throw new CtReadError('CT_BAD_ANSWER', `get-entries from ${start}: no entries array of 1 to ${count}`);
    }
    const entries = items.map((item, i) => {
      const { leaf_input, extra_data } = (item ?? {}) as Record<string, unknown>;
      return parseMerkleTreeLeaf(start + i, base64(leaf_input, 'leaf_input'), base64(extra_data, 'extra_data'));
    });
    return { entries, wireBytes: bytes };
  };

  /**
   * The entries [start, start + count): refetches what an answer left out while `keepGoing` says so (a
   * log serving short pages slowly would otherwise hold the step past its deadline); fewer when it stops.
   */
  const fetchAll = async (start: number, count: number, keepGoing: () => boolean): Promise<EntryBatch> => {
    const first = await fetchWindow(start, count);
    const batch = { entries: [...first.entries], wireBytes: first.wireBytes };
    while (batch.entries.length < count && keepGoing()) {
      const more = await fetchWindow(start + batch.entries.length, count - batch.entries.length);
      batch.entries.push(...more.entries);
      batch.wireBytes += more.wireBytes;
    }
    return batch;
  };

  return {
    get wireBytes() {
      return wireBytes;
    },

    async head() {
      const { json } = await get('ct/v1/get-sth', ANSWER_LIMITS.head, 'get-sth');
      return verifySth(log.key, json);
    },

    async consistency(first, second) {
      const { json } = await get(
        `ct/v1/get-sth-consistency?first=${first}&second=${second}`,
        ANSWER_LIMITS.proof,
        'get-sth-consistency',
      );
      const hashes = (json as { consistency?: unknown }).consistency;
      if (!Array.isArray(hashes) || hashes.length > 128) {
        throw new CtReadError('CT_BAD_ANSWER', 'get-sth-consistency: no consistency array');
      }
      return hashes.map((h) => base64(h, 'a consistency hash'));
    },

    async *entries(start, end, _treeSize, keepGoing): AsyncGenerator<EntryBatch> {
      const inFlight: Array<{ count: number; batch: Promise<EntryBatch> }> = [];
      let next = start;
      const fill = () => {
        while (next < end && inFlight.length < context.parallel) {
          const count = Math.min(GET_ENTRIES_WINDOW, end - next);
          const batch = fetchAll(next, count, keepGoing);
          batch.catch(() => undefined);
          inFlight.push({ count, batch });
          next += count;
        }
      };
      fill();
      while (inFlight.length > 0) {
        const { count, batch } = inFlight.shift() as { count: number; batch: Promise<EntryBatch> };
        const got = await batch;
        yield got;
        // A window cut short ends the reading: the next one would not follow on.
        if (got.entries.length < count || !keepGoing()) return;
        fill();
      }
    },
  };
}
