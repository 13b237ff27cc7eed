/**
 * Where the followed logs come from (`--ct-logs FILE|URL`, context `ctLogs`): a local file in Chrome's
 * log list v3 schema, or a URL. A URL's list is verified with its detached signature when one is
 * published beside it (`log_list.json` → `log_list.sig`; Chrome's own list must be signed, by Google's
 * key shipped in log-list-key.ts), cached in the table for a day, and the cache is used when a later
 * fetch fails. docs/ct.md "The log list".
 */
import type { CtListCache, CtStore } from '../core/ct/ct-store';
import { CtError } from '../core/ct/errors';
import { type LogList, parseLogList, verifyLogListSignature } from '../core/ct/log-list';
import { CHROME_LOG_LIST_URL, type CtLogsSource } from '../core/ct/logs-setting';
import { InputRefused, readCappedSync } from '../policy-file/bounded-text';
import { CtReadError } from './errors';
import type { CtHttp } from './http';
import { GOOGLE_LOG_LIST_KEY_PEM } from './log-list-key';

/** A list, loaded. */
export interface LoadedLogList {
  list: LogList;
  /** The file or URL. */
  origin: string;
  /** Its detached signature verified. */
  signed: boolean;
  /** Taken from the table's cache rather than fetched now. */
  cached: boolean;
  /** Why a cached list stands in for a fresh one, or null. */
  warning: string | null;
}

/** Options of {@link loadLogList}. */
export interface LogListOptions {
  http: CtHttp;
  store: Pick<CtStore, 'loadCtListCache' | 'saveCtListCache'>;
  now: Date;
  timeoutMs: number;
  /** The key a published signature must verify with (default Google's). */
  keyPem?: string;
  /** How long a fetched list is used before it is fetched again (default a day). */
  maxAgeMs?: number;
}

/** Largest list accepted (Chrome's is about 30 KB, its all-logs list about 120 KB). */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;

/** Where the detached signature of a list URL is published. */
export function signatureUrl(url: string): string {
  const u = new URL(url);
  u.pathname = /\.json$/i.test(u.pathname) ? u.pathname.replace(/\.json$/i, '.sig') : `${u.pathname}.sig`;
  return u.toString();
}

function parse(json: string, origin: string): LogList {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new CtError('CT_LOG_LIST_INVALID', `${origin} is not JSON`, { cause: error });
  }
  return parseLogList(document);
}

async function fromFile(path: string): Promise<LoadedLogList> {
  let json: string;
  try {
    // The cap enforced while reading: a file's size says nothing of a device or a pipe (/dev/zero).
    json = readCappedSync(path, MAX_LIST_BYTES).toString('utf8');
  } catch (error) {
    if (!(error instanceof InputRefused)) throw error;
    throw new CtError('CT_LOG_LIST_INVALID', `cannot read the CT log list ${path}: ${error.message}`, {
      cause: error,
    });
  }
  return { list: parse(json, path), origin: path, signed: false, cached: false, warning: null };
}

function verified(cache: CtListCache, keyPem: string, mustBeSigned: boolean): LogList {
  if (cache.signature) verifyLogListSignature(Buffer.from(cache.json), Buffer.from(cache.signature, 'base64'), keyPem);
  else if (mustBeSigned) throw new CtError('CT_LOG_LIST_INVALID', `${cache.url}: no signature published beside it`);
  return parse(cache.json, cache.url);
}

async function fetchList(url: string, options: LogListOptions): Promise<CtListCache> {
  const limits = { timeoutMs: options.timeoutMs, maxBytes: MAX_LIST_BYTES };
  const [json, signature] = await Promise.all([
    options.http.get(url, limits),
    options.http
      .get(signatureUrl(url), { ...limits, maxBytes: MAX_SIGNATURE_BYTES })
      .then((got) => got.body)
      .catch((error: unknown) => {
        if (error instanceof CtReadError && error.code === 'CT_NOT_FOUND') return null;
        throw error;
      }),
  ]);
  return {
    url,
    json: json.body.toString('utf8'),
    signature: signature ? signature.toString('base64') : null,
    fetchedAt: options.now.toISOString(),
  };
}

/**
 * Loads the followed logs' list. Throws CtError CT_LOG_LIST_INVALID for a file that is not a list, or
 * CtReadError CT_LIST_UNAVAILABLE when a URL's list can be neither fetched and verified nor taken from
 * the cache.
 */
export async function loadLogList(source: CtLogsSource, options: LogListOptions): Promise<LoadedLogList | null> {
  if (source.kind === 'off') return null;
  if (source.kind === 'file') return fromFile(source.path);
  const keyPem = options.keyPem ?? GOOGLE_LOG_LIST_KEY_PEM;
  const mustBeSigned = source.url === CHROME_LOG_LIST_URL;
  const maxAge = options.maxAgeMs ?? DAY_MS;
  const cache = await options.store.loadCtListCache();
  const usable = cache && cache.url === source.url ? cache : null;
  if (usable && options.now.getTime() - Date.parse(usable.fetchedAt) < maxAge) {
    return {
      list: verified(usable, keyPem, mustBeSigned),
      origin: source.url,
      signed: usable.signature !== null,
      cached: true,
      warning: null,
    };
  }
  try {
    const fresh = await fetchList(source.url, options);
    const list = verified(fresh, keyPem, mustBeSigned);
    await options.store.saveCtListCache(fresh);
    return { list, origin: source.url, signed: fresh.signature !== null, cached: false, warning: null };
  } catch (error) {
    const reason = (error as Error).message;
    if (usable) {
      const list = verified(usable, keyPem, mustBeSigned);
      const warning = `the CT log list could not be refreshed (${reason}); using the copy fetched ${usable.fetchedAt}`;
      return { list, origin: source.url, signed: usable.signature !== null, cached: true, warning };
    }
    throw new CtReadError('CT_LIST_UNAVAILABLE', `the CT log list ${source.url} is unavailable: ${reason}`, {
      cause: error,
    });
  }
}
