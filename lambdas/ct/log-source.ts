/**
 * What the tailing reader needs from a log, whatever its protocol: its signed head, a consistency proof
 * between two sizes, and its entries in order. rfc6962-source.ts and static-source.ts implement it; the
 * reader (log-reader.ts) does all verification, so a source only fetches and decodes.
 */
import type { LogEntry } from '../core/ct/entries';
import type { TreeHead } from '../core/ct/tree-head';
import { CtReadError } from './errors';
import type { CtHttp } from './http';

/** A batch of consecutive entries, and the bytes it cost on the wire. */
export interface EntryBatch {
  entries: LogEntry[];
  wireBytes: number;
}

/** One log, read through its protocol. */
export interface LogSource {
  /** The log's head, its signature verified with the log key (throws CtError CT_SIGNATURE_INVALID otherwise). */
  head(): Promise<TreeHead>;
  /** The consistency proof from `first` to `second` (0 < first < second ≤ the head's size). */
  consistency(first: number, second: number): Promise<Buffer[]>;
  /**
   * Entries [start, end) of the tree of `treeSize` (the verified head's; end ≤ treeSize) as consecutive
   * batches, in order; stops early when `keepGoing` says so between batches. Entries are decoded, not verified.
   */
  entries(start: number, end: number, treeSize: number, keepGoing: () => boolean): AsyncGenerator<EntryBatch>;
  /** Bytes received so far. */
  readonly wireBytes: number;
}

/** What every source is given. */
export interface SourceContext {
  http: CtHttp;
  /** Deadline of each request. */
  timeoutMs: number;
  /** Requests in flight at once for one log. */
  parallel: number;
  /**
   * Epoch milliseconds after which no request runs (one in flight is cut then): the step's deadline plus
   * {@link REQUEST_GRACE_MS}, so that a slow log cannot hold the step past its budget.
   */
  stopAt?: number;
}

/** How long after the step's deadline a request started before it may still run. */
export const REQUEST_GRACE_MS = 10_000;

/**
 * The deadline of a request started now: the per-request timeout, cut at the context's `stopAt`. Throws
 * CT_TIMEOUT once past it.
 */
export function requestTimeout(context: Pick<SourceContext, 'timeoutMs' | 'stopAt'>, now = Date.now()): number {
  const left = context.stopAt === undefined ? Number.POSITIVE_INFINITY : context.stopAt - now;
  if (left <= 0) throw new CtReadError('CT_TIMEOUT', "not asked: the CT step's time is spent");
  return Math.min(context.timeoutMs, left);
}

/** Byte caps of the answers (a tile or batch past them is refused as too large). */
export const ANSWER_LIMITS = {
  /** A checkpoint or get-sth answer. */
  head: 64 * 1024,
  /** A consistency proof (at most 64 hashes in base64 JSON) or a hash tile (8 KiB). */
  proof: 64 * 1024,
  /** A data tile on the wire, and inflated: 256 entries of up to 64 KiB certificates and chains. */
  dataTileWire: 8 * 1024 * 1024,
  dataTileInflated: 32 * 1024 * 1024,
  /** A get-entries answer. */
  entries: 16 * 1024 * 1024,
  /** An issuer certificate. */
  issuer: 64 * 1024,
} as const;
