/**
 * One bounded HTTP(S) exchange, streamed: the host is found through the probes' resolvers and
 * `--resolve` pins, the body is handed on chunk by chunk as it arrives, and the whole exchange —
 * lookup, connect, redirects, every byte — ends by one deadline and one byte cap, whatever the server
 * does (revocation fetches, docs/revocation.md).
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { dnsTimeoutMs } from '../core/budgets';
import { CertwatchError } from '../core/errors';
import type { AddressFamily } from '../core/probe-options';
import type { ResolvePin } from '../core/targets';
import { resolveTarget } from './resolve';

/** Stable codes of a failed fetch. */
export type HttpFetchErrorCode = 'HTTP_FAILED' | 'HTTP_STATUS' | 'HTTP_TIMEOUT' | 'HTTP_TOO_LARGE';

/** A fetch that gave no usable body; the message names the URL's problem in a few words. */
export class HttpFetchError extends CertwatchError<HttpFetchErrorCode> {
  override name = 'HttpFetchError';
}

/** How to fetch. */
export interface HttpFetchOptions {
  method?: 'GET' | 'POST';
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** The whole exchange's deadline (lookup to last byte), in ms. */
  timeoutMs: number;
  /** Most body octets accepted. */
  maxBytes: number;
  /** The probes' DNS servers (empty = the system's) and pins. */
  dnsServers?: readonly string[];
  resolve?: readonly ResolvePin[];
  addressFamilies?: readonly AddressFamily[];
  /** PEM anchors for https (default: Node's). */
  ca?: readonly string[];
  /** Redirects followed within the deadline (default 3). */
  maxRedirects?: number;
  /** Ends the fetch early (the caller's own deadline). */
  signal?: AbortSignal;
  /** Receives each chunk of the body; a throw ends the fetch with that error. */
  onData(chunk: Buffer): void;
}

/** What a finished fetch saw. */
export interface HttpFetchResult {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  contentType: string;
  bytes: number;
}

/** Fetches `url`, streaming its body to `onData`. Rejects with HttpFetchError (or what onData threw). */
export async function httpFetch(url: string, options: HttpFetchOptions): Promise<HttpFetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new HttpFetchError('HTTP_TIMEOUT', `no complete answer in ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const outer = options.signal;
  if (outer?.aborted) {
    clearTimeout(timer);
    throw aborted(outer);
  }
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      const answer = await exchange(current, options, controller.signal);
      if ('location' in answer) {
        if (redirects >= (options.maxRedirects ?? 3)) throw new HttpFetchError('HTTP_STATUS', 'too many redirects');
        current = answer.location;
        continue;
      }
      return answer;
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function aborted(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new HttpFetchError('HTTP_TIMEOUT', 'the fetch was cut short');
}

async function addressOf(parsed: URL, port: number, options: HttpFetchOptions): Promise<string> {
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const target = { url: parsed.origin, scheme: 'smtps' as const, host, port, mode: 'implicit' as const };
  const resolution = await resolveTarget(
    target,
    options.resolve ?? [],
    dnsTimeoutMs(options.timeoutMs),
    options.addressFamilies,
    options.dnsServers ?? [],
  );
  if ('error' in resolution) throw new HttpFetchError('HTTP_FAILED', resolution.error.message);
  return resolution.addresses[0];
}

async function exchange(
  url: string,
  options: HttpFetchOptions,
  signal: AbortSignal,
): Promise<HttpFetchResult | { location: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpFetchError('HTTP_FAILED', `not a URL: ${url}`);
  }
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:')
    throw new HttpFetchError('HTTP_FAILED', `${parsed.protocol} is not fetched`);
  const port = Number(parsed.port || (secure ? 443 : 80));
  if (signal.aborted) throw aborted(signal);
  const address = await addressOf(parsed, port, options);
  if (signal.aborted) throw aborted(signal);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(error);
    };
    const lookup = ((_name: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      const family = isIP(address);
      if (opts.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    }) as unknown as LookupFunction;
    const request = secure ? httpsRequest : httpRequest;
    const req = request({
      host,
      port,
      path: `${parsed.pathname}${parsed.search}`,
      method: options.method ?? 'GET',
      headers: {
        'user-agent': 'certwatch',
        ...(options.body ? { 'content-length': String(options.body.length) } : {}),
        ...options.headers,
      },
      lookup,
      // A connection of its own, closed after the answer: a pooled keep-alive socket (Node's global agent)
      // may have been closed by the server meanwhile, or across a Lambda freeze, and its reuse fails with
      // ECONNRESET — an unknown verdict for no fault of the source (docs/revocation.md "Fetching").
      agent: false,
      ...(secure ? { servername: isIP(host) ? undefined : host, ca: options.ca ? [...options.ca] : undefined } : {}),
    });
    const onAbort = () => fail(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      fail(new HttpFetchError('HTTP_FAILED', 'the connection closed before the answer was complete'));
    });
    req.on('error', (error: Error & { code?: string }) =>
      fail(
        error instanceof CertwatchError
          ? error
          : new HttpFetchError('HTTP_FAILED', `${error.code ?? error.message} from ${host}:${port}`, { cause: error }),
      ),
    );
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        settled = true;
        req.destroy();
        resolve({ location: new URL(res.headers.location, url).toString() });
        return;
      }
      if (status !== 200) {
        fail(new HttpFetchError('HTTP_STATUS', `HTTP ${status} from ${host}`));
        return;
      }
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        bytes += chunk.length;
        if (bytes > options.maxBytes) {
          fail(new HttpFetchError('HTTP_TOO_LARGE', `the answer is larger than ${options.maxBytes} bytes`));
          return;
        }
        try {
          options.onData(chunk);
        } catch (error) {
          fail(error as Error);
        }
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ url, status, contentType: String(res.headers['content-type'] ?? ''), bytes });
      });
      res.on('error', (error) => fail(new HttpFetchError('HTTP_FAILED', error.message, { cause: error })));
      res.on('aborted', () => fail(new HttpFetchError('HTTP_FAILED', 'the server closed the connection early')));
    });
    req.end(options.body ? Buffer.from(options.body) : undefined);
  });
}
