import { domainToASCII } from 'node:url';
import { CoreError } from './errors';
import { ipVersion } from './ip';
import type { TlsMode } from './observation';
import { quoteInput } from './quote';

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

/** Longer input is refused before any parsing: no host name or URL comes near it. */
const MAX_TARGET_CHARS = 2048;

function invalid(input: string, problem: string, cause?: unknown): CoreError {
  return new CoreError('TARGET_INVALID', `${quoteInput(input)}: ${problem}`, { cause });
}

/**
 * Parses a target URL. A bare `host[:port]` is read as `smtp://host[:port]`. Internationalized names
 * are accepted and probed under their A-label (`xn--…`), which is what DNS and certificates carry.
 * @throws CoreError TARGET_INVALID with a message that says what is wrong.
 */
export function parseTarget(input: string): Target {
  const raw = input.trim();
  if (raw === '') throw new CoreError('TARGET_INVALID', 'empty target');
  if (raw.length > MAX_TARGET_CHARS) throw invalid(raw, `longer than ${MAX_TARGET_CHARS} characters`);
  if (/^mx:(?!\/\/)/i.test(raw)) {
    // Read as host "mx" with port "DOMAIN" otherwise: say what mx: is and where it belongs.
    const entry = /^mx:[\w.-]{1,80}$/i.test(raw) ? raw : 'mx:DOMAIN';
    throw invalid(
      raw,
      "an MX target names a domain's mail hosts, which only check and the watch list look up " +
        `(certwatch check ${entry}, certwatch targets add ${entry}); here give one host: smtp://HOST`,
    );
  }
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  const scheme = (schemeMatch?.[1] ?? 'smtp').toLowerCase();
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw invalid(input, `scheme "${scheme}" is not supported (use smtp:// or smtps://)`);
  }
  const rest = schemeMatch ? raw.slice(schemeMatch[0].length) : raw;
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  if (authority.includes('@') || (tail !== '' && tail !== '/')) {
    throw invalid(input, 'a target is scheme://host[:port] only');
  }
  const { host: typedHost, port: typedPort } = splitHostPort(input, authority);
  const host = asciiHost(input, typedHost);
  const port = typedPort === undefined ? DEFAULT_PORTS[scheme] : parsePort(input, typedPort);
  const mode: TlsMode = scheme === 'smtp' ? 'starttls' : 'implicit';
  const hostPart = ipVersion(host) === 6 ? `[${host}]` : host;
  return { url: `${scheme}://${hostPart}:${port}`, scheme, host, port, mode };
}

function splitHostPort(input: string, authority: string): { host: string; port?: string } {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    const after = close < 0 ? '' : authority.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':'))) {
      throw invalid(input, 'an IPv6 address is written in brackets: smtp://[2001:db8::1]:25');
    }
    const host = authority.slice(1, close);
    if (ipVersion(host) !== 6) throw invalid(input, `${quoteInput(host)} is not an IPv6 address`);
    return { host, port: after === '' ? undefined : after.slice(1) };
  }
  const colons = authority.split(':').length - 1;
  if (colons > 1) throw invalid(input, 'an IPv6 address is written in brackets: smtp://[2001:db8::1]:25');
  const [host, port] = authority.split(':');
  if (host === '') throw invalid(input, 'no host name');
  return { host, port };
}

function parsePort(input: string, port: string): number {
  if (!/^\d+$/.test(port)) throw invalid(input, `port ${quoteInput(port)} is not a number (port must be 1-65535)`);
  const value = Number(port);
  if (value < 1 || value > 65535) {
    throw invalid(
      input,
      `port ${port.length > 12 ? `${port.slice(0, 12)}…` : port} is out of range (port must be 1-65535)`,
    );
  }
  return value;
}

/** The host as DNS knows it: lowercase, no trailing dot, A-labels for internationalized names. */
function asciiHost(input: string, typed: string): string {
  const lower = typed.toLowerCase().replace(/\.$/, '');
  if (ipVersion(lower) !== 0) return lower;
  // Letters beyond ASCII mark a U-label (an internationalized name).
  const ascii = /[\u0080-\uffff]/.test(lower) ? domainToASCII(lower) : lower;
  if (ascii === '') throw invalid(input, `${quoteInput(typed)} is not a valid internationalized host name`);
  if (!HOSTNAME.test(ascii)) {
    const shown = ascii === lower ? quoteInput(typed) : `${quoteInput(typed)} (A-label ${quoteInput(ascii)})`;
    throw invalid(input, `${shown} is not a valid host name or address`);
  }
  return ascii;
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
