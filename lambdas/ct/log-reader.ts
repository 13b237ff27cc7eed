/**
 * Tails one log from its stored position (docs/ct.md, "What is verified"):
 *
 * 1. the head's signature is verified with the log key (by the source);
 * 2. the head must extend the stored head: never smaller, the same root at the same size, else a
 *    consistency proof (fetched, or computed from tiles) between the two;
 * 3. the entries from the position are hashed into the compact range of what was read, and the root that
 *    gives must be the signed root — directly when reading reached the head, else through a consistency
 *    proof from where reading stopped;
 * 4. only then are the entries' matches used and the new position kept.
 *
 * A log that fails 1–3 is inconsistent: nothing of this cycle is used and the last good position stays.
 * A log that is unreachable, slow or answers garbage is retried next cycle. Work per cycle is bounded by
 * entries, bytes and a deadline; reading resumes where it stopped.
 */
import { consistencyFrontier, verifyConsistency } from '../core/ct/consistency';
import type { LogEntry } from '../core/ct/entries';
import { CtError } from '../core/ct/errors';
import type { CtLogInfo } from '../core/ct/log-list';
import type { CtLogState, StoredHead } from '../core/ct/log-state';
import { CompactRange, isPowerOfTwo } from '../core/ct/merkle';
import type { TreeHead } from '../core/ct/tree-head';
import { CtReadError } from './errors';
import type { LogSource } from './log-source';

/** The bounds of one log's reading in one cycle. */
export interface ReadBounds {
  /** Entries read at most. */
  maxEntries: number;
  /** Bytes received at most (checked between batches). */
  maxBytes: number;
  /** Epoch milliseconds after which no further batch is started. */
  deadline: number;
  /** On first meeting, start this many entries before the log's current size. */
  backfill: number;
}

/** What reading one log gave. */
export interface LogReadResult<M> {
  /** The state to store. */
  state: CtLogState;
  /** The matches of verified entries read this cycle (empty unless `outcome` is `ok`). */
  matches: M[];
  /** New entries read and verified (not counting those read only to rebuild the compact range). */
  entries: number;
  wireBytes: number;
  outcome: 'ok' | 'failed' | 'inconsistent';
}

function inconsistency(reason: string, cause?: unknown): CtReadError {
  return new CtReadError('CT_INCONSISTENT', reason, { cause });
}

const toStored = (head: TreeHead): StoredHead => ({
  size: head.size,
  timestamp: head.timestamp,
  root: head.root.toString('base64'),
});

/** The state of a log never read. */
export function firstState(log: CtLogInfo, now: string): CtLogState {
  return {
    logId: log.id,
    name: log.name,
    url: log.url,
    protocol: log.protocol,
    position: 0,
    range: null,
    head: null,
    firstMetAt: now,
    caughtUpAt: now,
    lastAttemptAt: now,
    lastError: null,
    inconsistent: null,
    incidents: 0,
    behind: null,
    behindIncidents: 0,
    rev: 0,
  };
}

/**
 * The consistency proof from `first` to `second`: empty from the empty tree (RFC 6962 defines proofs for
 * 0 < first only, and every tree extends the empty one), so none is asked of a log met while empty.
 */
function proofFrom(source: LogSource, first: number, second: number): Promise<Buffer[]> {
  return first === 0 ? Promise.resolve([]) : source.consistency(first, second);
}

/** Checks the new head against the stored one; returns the older tree's compact range when the proof gave it. */
async function checkExtends(source: LogSource, old: StoredHead, head: TreeHead): Promise<CompactRange | null> {
  const oldRoot = Buffer.from(old.root, 'base64');
  if (head.size < old.size) throw inconsistency(`the tree shrank from ${old.size} to ${head.size} entries`);
  if (head.size === old.size) {
    if (!oldRoot.equals(head.root)) throw inconsistency(`two different roots at size ${head.size}: a fork`);
    return null;
  }
  const proof = await proofFrom(source, old.size, head.size);
  try {
    return verifyConsistency(old.size, head.size, oldRoot, head.root, proof).older;
  } catch (error) {
    throw inconsistency(`the head at ${head.size} does not extend the one at ${old.size}: a fork`, error);
  }
}

/** The compact range at `position` of the verified tree `head`, and the first entry to hash from. */
async function rangeAt(
  source: LogSource,
  position: number,
  head: TreeHead,
): Promise<{ range: CompactRange; hashFrom: number } | null> {
  if (position === 0) return { range: CompactRange.empty(), hashFrom: 0 };
  if (position >= head.size) return null;
  // A proof from a single-subtree size omits that subtree: start one entry earlier and hash it again.
  const from = isPowerOfTwo(position) ? position - 1 : position;
  if (from === 0) return { range: CompactRange.empty(), hashFrom: 0 };
  const proof = await source.consistency(from, head.size);
  return { range: consistencyFrontier(from, head.size, head.root, proof), hashFrom: from };
}

/**
 * Reads one log. Never throws for the log's own failures: they are the result's outcome and the state's
 * lastError (and incident); `match` picks what the caller wants of each verified entry.
 */
export async function readLog<M>(
  source: LogSource,
  log: CtLogInfo,
  previous: CtLogState | null,
  bounds: ReadBounds,
  now: Date,
  match: (entry: LogEntry) => M | null,
): Promise<LogReadResult<M>> {
  const at = now.toISOString();
  const base: CtLogState = { ...(previous ?? firstState(log, at)), name: log.name, url: log.url, lastAttemptAt: at };
  const final = log.finalTreeHead;
  if (final && base.head?.size === final.size && base.position >= final.size) {
    // A readonly log read to its final tree head has nothing more.
    return {
      state: { ...base, caughtUpAt: at, lastError: null },
      matches: [],
      entries: 0,
      wireBytes: 0,
      outcome: 'ok',
    };
  }
  if (Date.now() >= bounds.deadline) {
    const error = new CtReadError('CT_TIMEOUT', 'not read this run: the CT budget was spent on the other logs');
    return failed(base, error, at, 0);
  }
  try {
    const head = await source.head();
    if (final && (head.size > final.size || (head.size === final.size && !head.root.equals(final.root)))) {
      throw inconsistency(`the head at ${head.size} is not the final tree head the list gives (${final.size})`);
    }
    const learnt = base.head ? await checkExtends(source, base.head, head) : null;
    const started = base.head !== null;
    const position = started ? base.position : Math.max(0, head.size - bounds.backfill);
    let range: CompactRange | null = base.range ? CompactRange.fromStored(base.range) : null;
    let hashFrom = position;
    if (range && range.size !== position) throw new CtReadError('CT_BAD_ANSWER', 'the stored compact range is damaged');
    if (!range && learnt?.size === position) range = learnt;
    if (!range) {
      const found = await rangeAt(source, position, head);
      if (!found) {
        // Met at its current size and it has not grown: keep the head; the range is learnt once it grows.
        const state = { ...base, position, head: toStored(head), caughtUpAt: at, lastError: null, inconsistent: null };
        return { state, matches: [], entries: 0, wireBytes: source.wireBytes, outcome: 'ok' };
      }
      range = found.range;
      hashFrom = found.hashFrom;
    }

    const end = Math.min(head.size, position + bounds.maxEntries);
    const work = range.clone();
    const matches: M[] = [];
    let bytes = 0;
    let entries = 0;
    const keepGoing = () => bytes < bounds.maxBytes && Date.now() < bounds.deadline;
    if (hashFrom < end) {
      for await (const batch of source.entries(hashFrom, end, head.size, keepGoing)) {
        bytes += batch.wireBytes;
        for (const entry of batch.entries) {
          if (entry.index !== work.size) throw new CtReadError('CT_BAD_ANSWER', `entry ${entry.index} out of order`);
          work.append(entry.leafHash);
          if (entry.index < position) continue;
          entries += 1;
          const found = match(entry);
          if (found !== null) matches.push(found);
        }
      }
    }
    const reached = work.size;
    if (reached === head.size) {
      if (!work.root().equals(head.root))
        throw inconsistency(`the entries up to ${reached} do not give the signed root`);
    } else {
      const proof = await proofFrom(source, reached, head.size);
      try {
        verifyConsistency(reached, head.size, work.root(), head.root, proof);
      } catch (error) {
        throw inconsistency(`the entries up to ${reached} are not in the signed tree of ${head.size}`, error);
      }
    }
    const state: CtLogState = {
      ...base,
      position: Math.max(position, reached),
      range: work.toStored(),
      head: toStored(head),
      caughtUpAt: reached === head.size ? at : started ? base.caughtUpAt : at,
      lastError: null,
      inconsistent: null,
    };
    return { state, matches, entries, wireBytes: source.wireBytes, outcome: 'ok' };
  } catch (error) {
    return failed(base, error, at, source.wireBytes);
  }
}

function failed<M>(base: CtLogState, error: unknown, at: string, wireBytes: number): LogReadResult<M> {
  const inconsistent =
    (error instanceof CtReadError && error.code === 'CT_INCONSISTENT') ||
    (error instanceof CtError && (error.code === 'CT_SIGNATURE_INVALID' || error.code === 'CT_PROOF_INVALID'));
  const code =
    error instanceof CtReadError ? error.code : inconsistent ? 'CT_INCONSISTENT' : ('CT_BAD_ANSWER' as const);
  const message = error instanceof Error ? error.message : String(error);
  const lastError = { code, message, at };
  if (!inconsistent) return { state: { ...base, lastError }, matches: [], entries: 0, wireBytes, outcome: 'failed' };
  const open = base.inconsistent ?? { incident: base.incidents + 1, since: at, reason: message };
  return {
    state: { ...base, lastError, inconsistent: open, incidents: open.incident },
    matches: [],
    entries: 0,
    wireBytes,
    outcome: 'inconsistent',
  };
}
