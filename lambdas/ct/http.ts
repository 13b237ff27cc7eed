/**
 * Bounded HTTP(S) GETs for the CT reader: one deadline per request, a cap on the bytes received and, for
 * `Content-Encoding: gzip` (which static-ct logs may send unasked), a cap on the bytes inflated — a gzip
 * bomb stops at the cap. https is verified with the probes' trust set; plain http is for loopback tests
 * (the log list refuses it elsewhere). Connections are kept alive per reader and closed with it.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGunzip } from 'node:zlib';
import { CtReadError } from './errors';

/** Limits of one GET. */
export interface FetchLimits {
  timeoutMs: number;
  /** Bytes received at most (after any gzip: see `maxInflatedBytes`). */
  maxBytes: number;
  /** Bytes a gzip answer may inflate to (default `maxBytes`). */
  maxInflatedBytes?: number;
}

/** A GET that answered 200. */
export interface Fetched {
  body: Buffer;
  /** Bytes on the wire (compressed). */
  wireBytes: number;
}

/** The transport of a reader: GETs with keep-alive, closed once. */
export interface CtHttp {
  get(url: string, limits: FetchLimits): Promise<Fetched>;
  close(): void;
}

/** Options of the transport. */
export interface CtHttpOptions {
  /** PEM anchors for https (the probes' trust set); Node's bundled roots when absent. */
  ca?: readonly string[];
  /** Connections per host at most (default 8). */
  maxSockets?: number;
}

/** Opens a transport. */
export function openCtHttp(options: CtHttpOptions = {}): CtHttp {
  const maxSockets = options.maxSockets ?? 8;
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets, ca: options.ca ? [...options.ca] : undefined });
  return {
    get: (url, limits) => get(url, limits, { http, https }),
    close: () => {
      http.destroy();
      https.destroy();
    },
  };
}

/** Errors of a kept-alive socket the server closed as we reused it: the request never reached it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

function get(
  url: string,
  limits: FetchLimits,
  agents: { http: HttpAgent; https: HttpsAgent },
  retried = false,
): Promise<Fetched> {
  const started = Date.now();
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  const maxInflated = limits.maxInflatedBytes ?? limits.maxBytes;
  return new Promise<Fetched>((resolve, reject) => {
    let settled = false;
    const fail = (error: CtReadError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(error);
    };
    let answered = false;
    const onResponse = (res: IncomingMessage) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        fail(new CtReadError(status === 404 ? 'CT_NOT_FOUND' : 'CT_HTTP_STATUS', `${url}: HTTP ${status}`));
        return;
      }
      const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') {
        res.resume();
        fail(new CtReadError('CT_BAD_ANSWER', `${url}: Content-Encoding ${encoding}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > limits.maxBytes) {
        res.resume();
        fail(new CtReadError('CT_TOO_LARGE', `${url}: ${declared} bytes, more than ${limits.maxBytes}`));
        return;
      }
      let wireBytes = 0;
      const chunks: Buffer[] = [];
      let inflated = 0;
      const gunzip = encoding === 'gzip' ? createGunzip() : null;
      const take = (chunk: Buffer) => {
        inflated += chunk.length;
        if (inflated > (gunzip ? maxInflated : limits.maxBytes)) {
          gunzip?.destroy();
          fail(
            new CtReadError(
              'CT_TOO_LARGE',
              `${url}: more than ${gunzip ? `${maxInflated} bytes inflated` : `${limits.maxBytes} bytes`}`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      };
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ body: Buffer.concat(chunks), wireBytes });
      };
      res.on('data', (chunk: Buffer) => {
        wireBytes += chunk.length;
        if (wireBytes > limits.maxBytes) {
          fail(new CtReadError('CT_TOO_LARGE', `${url}: more than ${limits.maxBytes} bytes`));
          return;
        }
        if (gunzip) gunzip.write(chunk);
        else take(chunk);
      });
      res.on('error', (error) => fail(new CtReadError('CT_NETWORK', `${url}: ${error.message}`, { cause: error })));
      if (gunzip) {
        gunzip.on('data', take);
        gunzip.on('error', (error) =>
          fail(new CtReadError('CT_BAD_ANSWER', `${url}: bad gzip (${error.message})`, { cause: error })),
        );
        gunzip.on('end', finish);
        res.on('end', () => gunzip.end());
      } else {
        res.on('end', finish);
      }
    };
    const options = {
      method: 'GET',
      agent: secure ? agents.https : agents.http,
      headers: { 'user-agent': 'certwatch', 'accept-encoding': 'gzip, identity' },
    };
    const req = secure ? httpsRequest(parsed, options, onResponse) : httpRequest(parsed, options, onResponse);
    const deadline = setTimeout(
      () => fail(new CtReadError('CT_TIMEOUT', `${url}: no complete answer in ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A server may close an idle kept-alive connection just as we reuse it (logs do, as Node's own
      // server does after 5 s): the GET never reached it, so it is tried once more on a new connection,
      // within what is left of its deadline.
      const left = limits.timeoutMs - (Date.now() - started);
      if (
        !settled &&
        !answered &&
        !retried &&
        req.reusedSocket &&
        STALE_SOCKET_CODES.has(error.code ?? '') &&
        left > 0
      ) {
        settled = true;
        clearTimeout(deadline);
        resolve(get(url, { ...limits, timeoutMs: left }, agents, true));
        return;
      }
      fail(new CtReadError('CT_NETWORK', `${url}: ${error.message}`, { cause: error }));
    });
    req.end();
  });
}
