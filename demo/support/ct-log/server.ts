/**
 * Serves test CT logs over HTTP on 127.0.0.1, each under `/<slug>/` (its name made URL-safe): an RFC 6962 log answers `ct/v1/get-sth`,
 * `get-entries` (at most `maxBatch` per request, as real logs cap them), `get-sth-consistency` and
 * `get-roots`; a static-ct log serves `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/data/<N>[.p/<W>]` (gzip,
 * unasked, as the spec allows) and `issuer/<sha256>`. The log list is served at `/log_list.json`, signed in
 * `/log_list.sig` when a list key is given. Each log's faults apply to its answers.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { TestCtLog } from './log';

/** A running server. */
export interface CtLogServer {
  /** `http://127.0.0.1:PORT/` */
  base: string;
  /** The URL of a log (its prefix, ending in `/`). */
  url(log: TestCtLog): string;
  /** The list's URL (`log_list.json`). */
  listUrl: string;
  /** The PEM of the key that signs the list. */
  listKeyPem: string;
  /** The Chrome v3 log list of the served logs (what `/log_list.json` returns). */
  logList(): object;
  /** Requests answered, by path (for tests that count fetches). */
  readonly requests: string[];
  /** Bytes of response bodies sent. */
  readonly bytesSent: number;
  /** Replace the served list (bytes as sent) and its signature, e.g. to serve a tampered one. */
  overrideList(json: Buffer | null, signature?: Buffer | null): void;
  close(): Promise<void>;
}

/** Options of a server. */
export interface CtLogServerOptions {
  /** Entries per get-entries answer at most (default 64). */
  maxBatch?: number;
  /** Sign the list with this key (default: a fresh P-256 key). */
  listKey?: KeyObject;
}

const HEX64 = /^[0-9a-f]{64}$/;

let bomb: Buffer | null = null;
/** 64 MiB of zeros, gzipped once (about 64 KiB on the wire). */
const gzipBomb = () => {
  bomb ??= gzipSync(Buffer.alloc(64 * 1024 * 1024));
  return bomb;
};

function parseTileIndex(parts: string[]): { index: number; width: number } | null {
  let width = 256;
  const last = parts.length;
  let segments = parts;
  if (last >= 2 && parts[last - 2].endsWith('.p')) {
    width = Number(parts[last - 1]);
    segments = [...parts.slice(0, last - 2), parts[last - 2].slice(0, -2)];
  }
  if (!Number.isInteger(width) || width < 1 || width > 256) return null;
  let index = 0;
  for (const [i, s] of segments.entries()) {
    const digits = i < segments.length - 1 ? s.replace(/^x/, '') : s;
    if (!/^\d{3}$/.test(digits)) return null;
    index = index * 1000 + Number(digits);
  }
  return { index, width };
}

/** Starts a server for `logs` (more can be added to the array later). */
export async function startCtLogServer(logs: TestCtLog[], options: CtLogServerOptions = {}): Promise<CtLogServer> {
  const maxBatch = options.maxBatch ?? 64;
  const listKey = options.listKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const listKeyPem = createPublicKeyPem(listKey);
  const requests: string[] = [];
  let bytesSent = 0;
  let override: { json: Buffer | null; signature: Buffer | null | undefined } | null = null;
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let base = '';

  const logList = () => ({
    version: 'certwatch-test',
    // Fixed, so that the list and its signature (two requests) agree while the logs do not change.
    log_list_timestamp: '2026-01-01T00:00:00Z',
    operators: [...new Set(logs.map((l) => l.operator))].map((operator) => ({
      name: operator,
      email: ['ct@ct.test'],
      logs: logs.filter((l) => l.operator === operator && l.protocol === 'rfc6962').map((l) => l.listEntry(urlOf(l))),
      tiled_logs: logs
        .filter((l) => l.operator === operator && l.protocol === 'static-ct')
        .map((l) => l.listEntry(urlOf(l))),
    })),
  });
  const urlOf = (log: TestCtLog) => `${base}${log.slug}/`;

  const send = (res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}) => {
    bytesSent += body.length;
    res.writeHead(status, { 'content-length': String(body.length), ...headers });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) =>
    send(res, 200, Buffer.from(JSON.stringify(value)), { 'content-type': 'application/json' });
  const notFound = (res: ServerResponse) => send(res, 404, Buffer.from('not found\n'));

  function serveRfc6962(log: TestCtLog, rest: string, query: URLSearchParams, res: ServerResponse) {
    const size = log.published?.size ?? 0;
    if (rest === 'ct/v1/get-sth') return json(res, log.sth());
    if (rest === 'ct/v1/get-entries') {
      const start = Number(query.get('start'));
      const end = Math.min(Number(query.get('end')), size - 1, start + maxBatch - 1);
      if (!Number.isInteger(start) || start < 0 || start > end) return send(res, 400, Buffer.from('bad range\n'));
      const entries = [];
      for (let i = start; i <= end; i++) {
        entries.push({
          leaf_input: log.served(i, log.merkleTreeLeaf(i), 2).toString('base64'),
          extra_data: log.extraData(i).toString('base64'),
        });
      }
      return json(res, { entries });
    }
    if (rest === 'ct/v1/get-sth-consistency') {
      const first = Number(query.get('first'));
      const second = Number(query.get('second'));
      // RFC 6962 defines consistency proofs for 0 < first only.
      if (!Number.isInteger(first) || !Number.isInteger(second) || first < 1 || first > second || second > size) {
        return send(res, 400, Buffer.from('bad sizes\n'));
      }
      return json(res, { consistency: log.tree.consistency(first, second).map((h) => h.toString('base64')) });
    }
    if (rest === 'ct/v1/get-roots') return json(res, { certificates: [] });
    return notFound(res);
  }

  function serveStatic(log: TestCtLog, rest: string, res: ServerResponse) {
    const size = log.published?.size ?? 0;
    if (rest === 'checkpoint') return send(res, 200, Buffer.from(log.checkpoint()), { 'content-type': 'text/plain' });
    const issuer = /^issuer\/([0-9a-f]+)$/.exec(rest);
    if (issuer && HEX64.test(issuer[1])) {
      const der = log.entries
        .flatMap((e) => e.chain)
        .find((c) => createHash('sha256').update(c).digest('hex') === issuer[1]);
      return der ? send(res, 200, der, { 'content-type': 'application/pkix-cert' }) : notFound(res);
    }
    const parts = rest.split('/');
    if (parts[0] !== 'tile' || parts.length < 3) return notFound(res);
    const at = parseTileIndex(parts.slice(2));
    if (!at) return notFound(res);
    // With partialsGone, tiles exist for every entry sequenced, and a partial one only until it is full.
    const stored = log.faults.partialsGone ? log.entries.length : size;
    const levelSize = parts[1] === 'data' ? stored : Math.floor(stored / 256 ** Number(parts[1]));
    if (log.faults.partialsGone && at.width < 256 && levelSize >= (at.index + 1) * 256) return notFound(res);
    if (parts[1] === 'data') {
      const first = at.index * 256;
      if (first + at.width > stored) return notFound(res);
      let body = Buffer.concat(
        Array.from({ length: at.width }, (_, i) => log.served(first + i, log.tileLeaf(first + i), 0)),
      );
      if (log.faults.dataTile === 'truncate') body = body.subarray(0, body.length - 7);
      if (log.faults.dataTile === 'oversize') body = Buffer.concat([body, Buffer.alloc(32, 1)]);
      const gz = log.faults.dataTile === 'gzip-bomb' ? gzipBomb() : gzipSync(body);
      return send(res, 200, gz, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    }
    const level = Number(parts[1]);
    if (!/^[0-5]$/.test(parts[1])) return notFound(res);
    const tile = log.tree.tile(level, at.index, stored);
    if (!tile || tile.length < at.width * 32) return notFound(res);
    let body = tile.subarray(0, at.width * 32);
    if (log.faults.hashTile === 'truncate') body = body.subarray(0, body.length - 1);
    return send(res, 200, body, { 'content-type': 'application/octet-stream' });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    const path = url.pathname.slice(1);
    if (path === 'log_list.json' || path === 'log_list.sig') {
      const listJson = override?.json ?? Buffer.from(JSON.stringify(logList(), null, 1));
      const signature =
        override && override.signature !== undefined ? override.signature : sign('sha256', listJson, listKey);
      if (path === 'log_list.json') return send(res, 200, listJson, { 'content-type': 'application/json' });
      return signature ? send(res, 200, signature) : notFound(res);
    }
    const slash = path.indexOf('/');
    const log = logs.find((l) => l.slug === path.slice(0, slash));
    if (!log) return notFound(res);
    const answer = () => {
      if (log.faults.status) return send(res, log.faults.status, Buffer.from('unavailable\n'));
      const rest = path.slice(slash + 1);
      if (log.protocol === 'rfc6962') return serveRfc6962(log, rest, url.searchParams, res);
      return serveStatic(log, rest, res);
    };
    if (log.faults.hang) {
      hanging.add(res);
      return;
    }
    if (log.faults.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, log.faults.delayMs);
      timers.add(timer);
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    base,
    url: urlOf,
    listUrl: `${base}log_list.json`,
    listKeyPem,
    logList,
    requests,
    get bytesSent() {
      return bytesSent;
    },
    overrideList(jsonBytes, signature) {
      override = jsonBytes === null ? null : { json: jsonBytes, signature };
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function createPublicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
