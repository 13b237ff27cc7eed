/**
 * MTA-STS discovery and fetch (RFC 8461 §3): the `_mta-sts.DOMAIN` TXT record, then
 * `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` — no redirects, 64 KiB at most, one deadline —
 * validated with the probes' trust set and reached through their resolvers and `--resolve` pins.
 */
import type { LookupAddress } from 'node:dns';
import type { Resolver } from 'node:dns/promises';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Lookup, MtaStsPolicy } from '../core/policy/model';
import { parseStsPolicy, parseStsRecord } from '../core/policy/mta-sts';
import { pinnedAddresses, type ResolvePin } from '../core/targets';

/** RFC 8461 §3.3 suggests a limit; certwatch takes its SMTP reply limit (docs/observation.md). */
export const MAX_POLICY_BYTES = 64 * 1024;

/** What a fetch needs: the probes' resolver, pins, anchors (PEM) and deadline. */
export interface MtaStsFetchOptions {
  resolver: Resolver;
  resolve: readonly ResolvePin[];
  /** PEM anchors the HTTPS certificate must chain to (the probes' trust set). */
  ca: readonly string[];
  timeoutMs: number;
}

async function addressesOf(host: string, options: MtaStsFetchOptions): Promise<string[]> {
  const pinned = pinnedAddresses({ url: '', scheme: 'smtps', host, port: 443, mode: 'implicit' }, options.resolve);
  if (pinned) return pinned;
  const [v4, v6] = await Promise.allSettled([options.resolver.resolve4(host), options.resolver.resolve6(host)]);
  const found = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (found.length === 0) throw new Error(`no address for ${host}`);
  return found;
}

function get(host: string, address: string, options: MtaStsFetchOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: 443,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        servername: host,
        ca: [...options.ca],
        timeout: options.timeoutMs,
        headers: { 'user-agent': 'certwatch', accept: 'text/plain' },
        lookup: ((_name: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          const family = isIP(address);
          if (opts.all) callback(null, [{ address, family } satisfies LookupAddress]);
          else callback(null, address, family);
        }) as unknown as LookupFunction,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.destroy();
          const where = res.headers.location ? ` to ${res.headers.location}` : '';
          const redirect = (res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400;
          reject(
            new Error(
              `HTTP ${res.statusCode}${redirect ? `${where} (redirects are not followed, RFC 8461 §3.3)` : ''}`,
            ),
          );
          return;
        }
        const type = String(res.headers['content-type'] ?? '');
        if (!/^text\/plain\b/i.test(type)) {
          res.destroy();
          reject(new Error(`Content-Type "${type}" is not text/plain (RFC 8461 §3.2)`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) {
            res.destroy();
            reject(new Error(`policy larger than ${MAX_POLICY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no policy in ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The domain's MTA-STS policy, or a coded reason why there is none to apply. Never throws. */
export async function fetchMtaSts(domain: string, options: MtaStsFetchOptions): Promise<Lookup<MtaStsPolicy>> {
  let txt: string[][];
  try {
    txt = await options.resolver.resolveTxt(`_mta-sts.${domain}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const none = code === 'ENOTFOUND' || code === 'ENODATA';
    return {
      ok: false,
      code: none ? 'MTA_STS_NO_RECORD' : 'MTA_STS_FETCH_FAILED',
      message: `_mta-sts.${domain} TXT: ${code}`,
    };
  }
  const record = parseStsRecord(txt.map((chunks) => chunks.join('')));
  if (typeof record === 'string')
    return { ok: false, code: 'MTA_STS_NO_RECORD', message: `_mta-sts.${domain}: ${record}` };
  const host = `mta-sts.${domain}`;
  let text: string;
  try {
    const [address] = await addressesOf(host, options);
    text = await get(host, address, options);
  } catch (error) {
    return {
      ok: false,
      code: 'MTA_STS_FETCH_FAILED',
      message: `https://${host}/.well-known/mta-sts.txt: ${(error as Error).message}`,
    };
  }
  const policy = parseStsPolicy(text, record.id);
  if (typeof policy === 'string') return { ok: false, code: 'MTA_STS_INVALID', message: `${host} policy: ${policy}` };
  return { ok: true, value: policy };
}
