import { CoreError } from './errors';
import { ipVersion } from './ip';
import type { TlsMode } from './observation';

/** A parsed target URL (contract: `smtp://host[:port]` = STARTTLS, `smtps://host[:port]` = implicit TLS). */
export interface Target {
  /** Canonical URL: scheme, lowercase host, explicit port. */
  url: string;
  scheme: 'smtp' | 'smtps';
  host: string;
  port: number;
  mode: TlsMode;
}

/** Default ports per scheme, as curl uses them. */
const DEFAULT_PORTS = { smtp: 25, smtps: 465 } as const;

/** Google's SMTP hosts as Google documents them. */
export const DEFAULT_TARGET_URLS: readonly string[] = [
  'smtp://aspmx.l.google.com:25',
  'smtp://smtp-relay.gmail.com:25',
  'smtps://smtp-relay.gmail.com:465',
  'smtp://smtp-relay.gmail.com:587',
  'smtps://smtp.gmail.com:465',
  'smtp://smtp.gmail.com:587',
];

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/**
 * Parses a target URL. A bare `host[:port]` is read as `smtp://host[:port]`.
 * @throws CoreError TARGET_INVALID with a message that says what is wrong.
 */
export function parseTarget(input: string): Target {
  const raw = input.trim();
  if (raw === '') throw new CoreError('TARGET_INVALID', 'empty target');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `smtp://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new CoreError(
      'TARGET_INVALID',
      `"${input}" is not a URL (expected smtp://host[:port] or smtps://host[:port])`,
      {
        cause,
      },
    );
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw new CoreError('TARGET_INVALID', `"${input}": scheme "${scheme}" is not supported (use smtp:// or smtps://)`);
  }
  if (url.username || url.password || (url.pathname && url.pathname !== '/') || url.search || url.hash) {
    throw new CoreError('TARGET_INVALID', `"${input}": a target is scheme://host[:port] only`);
  }
  const host = unbracket(url.hostname.toLowerCase());
  if (host === '' || (ipVersion(host) === 0 && !HOSTNAME.test(host))) {
    throw new CoreError('TARGET_INVALID', `"${input}": "${host}" is not a valid host name or address`);
  }
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CoreError('TARGET_INVALID', `"${input}": port must be 1-65535`);
  }
  const mode: TlsMode = scheme === 'smtp' ? 'starttls' : 'implicit';
  const hostPart = ipVersion(host) === 6 ? `[${host}]` : host.replace(/\.$/, '');
  return { url: `${scheme}://${hostPart}:${port}`, scheme, host: host.replace(/\.$/, ''), port, mode };
}

/** Parses several targets; no input = Google's default set. Duplicates (same canonical URL) are dropped. */
export function parseTargets(inputs: readonly string[]): Target[] {
  const list = inputs.length === 0 ? DEFAULT_TARGET_URLS : inputs;
  const seen = new Map<string, Target>();
  for (const input of list) {
    const target = parseTarget(input);
    if (!seen.has(target.url)) seen.set(target.url, target);
  }
  return [...seen.values()];
}

/** One `--resolve host:port:addr[,addr...]` entry (curl's form). */
export interface ResolvePin {
  host: string;
  port: number;
  addresses: string[];
}

/**
 * Parses a curl-style `--resolve` entry. IPv6 addresses may be bracketed (`[::1]`).
 * @throws CoreError RESOLVE_INVALID
 */
export function parseResolve(input: string): ResolvePin {
  const match = /^([^:]+):(\d{1,5}):(.+)$/.exec(input.trim());
  if (!match) {
    throw new CoreError('RESOLVE_INVALID', `"${input}": expected host:port:addr[,addr...]`);
  }
  const [, rawHost, rawPort, rawAddresses] = match;
  const port = Number(rawPort);
  if (port < 1 || port > 65535) throw new CoreError('RESOLVE_INVALID', `"${input}": port must be 1-65535`);
  const addresses = rawAddresses.split(',').map((a) => unbracket(a.trim()));
  for (const address of addresses) {
    if (ipVersion(address) === 0) {
      throw new CoreError('RESOLVE_INVALID', `"${input}": "${address}" is not an IP address`);
    }
  }
  return { host: rawHost.toLowerCase().replace(/\.$/, ''), port, addresses: [...new Set(addresses)] };
}

/** The pinned addresses for a target, if any `--resolve` entry matches its host and port. */
export function pinnedAddresses(target: Target, pins: readonly ResolvePin[]): string[] | undefined {
  const hits = pins.filter((p) => p.host === target.host && p.port === target.port);
  if (hits.length === 0) return undefined;
  return [...new Set(hits.flatMap((p) => p.addresses))];
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
