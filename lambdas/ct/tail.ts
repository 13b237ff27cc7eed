/**
 * One cycle's reading of every followed log: each from its stored state, a few logs at a time, within the
 * cycle's deadline; the matches of each log that verified, with their issuer chains (RFC 6962 logs send
 * them in extra_data; a static-ct log's are fetched once each from `issuer/<sha256>`).
 */
import { createHash } from 'node:crypto';
import type { CtLogInfo } from '../core/ct/log-list';
import type { CtLogState } from '../core/ct/log-state';
import type { EntryMatch, HostMatcher } from '../core/ct/matcher';
import { mapWithLimit } from '../probe/pool';
import type { CtHttp } from './http';
import { type LogReadResult, type ReadBounds, readLog } from './log-reader';
import { ANSWER_LIMITS, type LogSource, REQUEST_GRACE_MS, requestTimeout, type SourceContext } from './log-source';
import { rfc6962Source } from './rfc6962-source';
import { staticSource } from './static-source';

/** A verified match with the log it came from and its issuer chain (DER, issuer first; empty when unknown). */
export interface LoggedMatch extends EntryMatch {
  log: CtLogInfo;
  chain: Buffer[];
}

/** What a cycle's reading is given. */
export interface TailInput {
  logs: readonly CtLogInfo[];
  states: ReadonlyMap<string, CtLogState>;
  matcher: HostMatcher;
  http: CtHttp;
  now: Date;
  /** Per log: entries and bytes at most; for all: the deadline; on first meeting: the backfill. */
  bounds: ReadBounds;
  /** Deadline of each request. */
  timeoutMs: number;
  /** Logs read at once (default 4) and requests in flight per log (default 4). */
  parallelLogs?: number;
  parallelPerLog?: number;
  /** Opens a log's source (tests count or break requests); default by protocol. */
  open?: (log: CtLogInfo, context: SourceContext) => LogSource;
}

/** One log's outcome. */
export type LogTail = LogReadResult<LoggedMatch> & { log: CtLogInfo };

function openSource(log: CtLogInfo, context: SourceContext): LogSource {
  return log.protocol === 'static-ct' ? staticSource(log, context) : rfc6962Source(log, context);
}

/**
 * Reads every log once, those furthest behind first (caught up longest ago): a log the budget did not
 * reach this run is begun early the next, so a long list is read in turn rather than its tail never.
 * Never throws for a log's failure (each log's outcome says it).
 */
export async function tailLogs(input: TailInput): Promise<LogTail[]> {
  const issuers = new Map<string, Promise<Buffer | null>>();
  const context: SourceContext = {
    http: input.http,
    timeoutMs: input.timeoutMs,
    parallel: input.parallelPerLog ?? 4,
    stopAt: input.bounds.deadline + REQUEST_GRACE_MS,
  };
  // A log never read to a verified head (new, or never reached) goes first, then the least recently caught up.
  const caughtUp = (log: CtLogInfo) => {
    const state = input.states.get(log.id);
    return state?.head ? state.caughtUpAt : '';
  };
  const order = [...input.logs].sort((a, b) => caughtUp(a).localeCompare(caughtUp(b)));
  return mapWithLimit(order, input.parallelLogs ?? 4, async (log) => {
    const source = (input.open ?? openSource)(log, context);
    const result = await readLog<EntryMatch>(
      source,
      log,
      input.states.get(log.id) ?? null,
      input.bounds,
      input.now,
      (entry) => input.matcher.match(entry),
    );
    const matches = await Promise.all(
      result.matches.map(async (m): Promise<LoggedMatch> => ({ ...m, log, chain: await chainOf(m, log) })),
    );
    return { ...result, matches, log };
  });

  async function chainOf(match: EntryMatch, log: CtLogInfo): Promise<Buffer[]> {
    if (match.entry.chain.length > 0) return match.entry.chain.map((c) => Buffer.from(c));
    const found = await Promise.all(
      match.entry.chainFingerprints.map((fp) => issuer(log, Buffer.from(fp).toString('hex'))),
    );
    return found.every((c) => c !== null) ? (found as Buffer[]) : [];
  }

  /** An issuer of a static-ct log, fetched once per run; null when it cannot be had or is not what it names. */
  function issuer(log: CtLogInfo, fingerprint: string): Promise<Buffer | null> {
    const key = `${log.id} ${fingerprint}`;
    let pending = issuers.get(key);
    if (!pending) {
      pending = Promise.resolve()
        .then(() =>
          input.http.get(new URL(`issuer/${fingerprint}`, log.url).toString(), {
            timeoutMs: requestTimeout(context),
            maxBytes: ANSWER_LIMITS.issuer,
          }),
        )
        .then(({ body }) => (createHash('sha256').update(body).digest('hex') === fingerprint ? body : null))
        .catch(() => null);
      issuers.set(key, pending);
    }
    return pending;
  }
}
