/**
 * A CT log list in the schema of Chrome's log list v3: `operators[].logs[]` (RFC 6962, `url`) and
 * `operators[].tiled_logs[]` (static-ct-api, `monitoring_url`, checkpoint origin from `submission_url`),
 * each with `log_id` = base64 SHA-256 of `key` (base64 DER SPKI), `mmd` and `state`. certwatch follows
 * the logs in state usable, qualified or readonly; a log entry it cannot use is reported, not fatal.
 * The list's detached signature (log_list.sig beside log_list.json) is checked here too.
 */
import { createPublicKey, verify } from 'node:crypto';
import { ipVersion } from '../ip';
import { CtError } from './errors';
import { type LogKey, parseLogKey } from './tree-head';

/** The states of a log in the list. */
export type LogState = 'pending' | 'qualified' | 'usable' | 'readonly' | 'retired' | 'rejected';

/** The states whose logs certwatch reads. */
export const FOLLOWED_STATES: readonly LogState[] = ['usable', 'qualified', 'readonly'];

/** One log certwatch can follow. */
export interface CtLogInfo {
  /** log_id (base64 SHA-256 of the key): the log's identity in the store. */
  id: string;
  /** The list's description, e.g. "Google 'Argon2026h1' log". */
  name: string;
  operator: string;
  protocol: 'rfc6962' | 'static-ct';
  /** RFC 6962: the log's URL prefix; static-ct: the monitoring prefix. Ends with `/`. */
  url: string;
  /** static-ct: the checkpoint origin (the submission prefix without scheme and trailing slash). */
  origin: string | null;
  key: LogKey;
  /** Maximum merge delay, seconds. */
  mmd: number;
  state: LogState;
  /** readonly: the tree head the log was frozen at. */
  finalTreeHead: { size: number; root: Buffer } | null;
}

/** A log entry of the list that certwatch cannot follow, and why. */
export interface LogListProblem {
  log: string;
  reason: string;
}

/** The parsed list. */
export interface LogList {
  version: string | null;
  timestamp: string | null;
  /** Logs in a followed state. */
  logs: CtLogInfo[];
  /** Logs in other states (by name and state), for `certwatch ct`. */
  skipped: Array<{ name: string; state: LogState | 'none' }>;
  problems: LogListProblem[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const STATES: readonly LogState[] = ['pending', 'qualified', 'usable', 'readonly', 'retired', 'rejected'];

function invalid(message: string): CtError {
  return new CtError('CT_LOG_LIST_INVALID', message);
}

/** Whether a host name is loopback (where a plain-http log is allowed: tests). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (ipVersion(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** A log URL made into a prefix ending in `/`; https, or http on loopback. */
function prefix(value: unknown, field: string): URL {
  if (typeof value !== 'string') throw new Error(`${field} is missing`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${field} '${value.slice(0, 100)}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new Error(`${field} must be https (http only on loopback), not '${value.slice(0, 100)}'`);
  }
  if (url.search || url.hash || url.username || url.password) throw new Error(`${field} has a query or credentials`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function stateOf(log: Json): { state: LogState | 'none'; finalTreeHead: CtLogInfo['finalTreeHead'] } {
  if (!isObject(log.state)) return { state: 'none', finalTreeHead: null };
  const state = STATES.find((s) => s in (log.state as Json));
  if (!state) return { state: 'none', finalTreeHead: null };
  const detail = (log.state as Json)[state];
  const head = isObject(detail) && isObject(detail.final_tree_head) ? detail.final_tree_head : null;
  if (!head) return { state, finalTreeHead: null };
  const size = head.tree_size;
  const root = typeof head.sha256_root_hash === 'string' ? Buffer.from(head.sha256_root_hash, 'base64') : null;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || root?.length !== 32) {
    throw new Error('final_tree_head is malformed');
  }
  return { state, finalTreeHead: { size, root } };
}

function readLog(log: Json, operator: string, tiled: boolean): CtLogInfo {
  const key = parseLogKey(typeof log.key === 'string' ? log.key : '');
  const id = key.logId.toString('base64');
  if (log.log_id !== id) throw new Error(`log_id is not the SHA-256 of its key (${id})`);
  const mmd = log.mmd;
  if (typeof mmd !== 'number' || !Number.isSafeInteger(mmd) || mmd < 0)
    throw new Error('mmd is not a number of seconds');
  const { state, finalTreeHead } = stateOf(log);
  const url = prefix(tiled ? log.monitoring_url : log.url, tiled ? 'monitoring_url' : 'url');
  let origin: string | null = null;
  if (tiled) {
    const submission = prefix(log.submission_url, 'submission_url');
    origin = `${submission.host}${submission.pathname}`.replace(/\/+$/, '');
  }
  return {
    id,
    name: typeof log.description === 'string' && log.description ? log.description : id,
    operator,
    protocol: tiled ? 'static-ct' : 'rfc6962',
    url: url.toString(),
    origin,
    key,
    mmd,
    state: state === 'none' ? 'pending' : state,
    finalTreeHead,
  };
}

/**
 * Parses a log list document (already JSON-decoded). Throws CtError CT_LOG_LIST_INVALID when the
 * document is not a log list at all; individual logs that cannot be used go to `problems`.
 */
export function parseLogList(document: unknown): LogList {
  if (!isObject(document) || !Array.isArray(document.operators)) {
    throw invalid('a CT log list is a JSON object with an "operators" array (Chrome log list v3)');
  }
  const list: LogList = {
    version: typeof document.version === 'string' ? document.version : null,
    timestamp: typeof document.log_list_timestamp === 'string' ? document.log_list_timestamp : null,
    logs: [],
    skipped: [],
    problems: [],
  };
  const seen = new Set<string>();
  for (const operator of document.operators) {
    if (!isObject(operator)) throw invalid('an operator of the CT log list is not an object');
    const name = typeof operator.name === 'string' ? operator.name : '(unnamed operator)';
    for (const [field, tiled] of [
      ['logs', false],
      ['tiled_logs', true],
    ] as const) {
      const logs = operator[field] ?? [];
      if (!Array.isArray(logs)) throw invalid(`operator '${name}': ${field} is not an array`);
      for (const log of logs) {
        const label = isObject(log) && typeof log.description === 'string' ? log.description : `a log of ${name}`;
        try {
          if (!isObject(log)) throw new Error('not an object');
          const { state } = stateOf(log);
          if (!FOLLOWED_STATES.includes(state as LogState)) {
            list.skipped.push({ name: label, state });
            continue;
          }
          const info = readLog(log, name, tiled);
          if (seen.has(info.id)) throw new Error('listed twice');
          seen.add(info.id);
          list.logs.push(info);
        } catch (error) {
          list.problems.push({ log: label, reason: (error as Error).message });
        }
      }
    }
  }
  return list;
}

/**
 * Verifies a log list's detached signature (Google signs log_list.json with RSA PKCS #1 v1.5 and
 * SHA-256; an ECDSA key is taken too). Throws CT_LOG_LIST_INVALID when it does not verify.
 */
export function verifyLogListSignature(json: Uint8Array, signature: Uint8Array, publicKeyPem: string): void {
  let ok = false;
  try {
    ok = verify('sha256', json, createPublicKey(publicKeyPem), signature);
  } catch (error) {
    throw new CtError('CT_LOG_LIST_INVALID', 'the log list signature cannot be checked', { cause: error });
  }
  if (!ok) throw invalid('the log list signature does not verify with the log-list key');
}
