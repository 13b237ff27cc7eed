/**
 * The one DNS setting (docs/settings.md: `--dns ADDR[:PORT][,...]`, env `CERTWATCH_DNS`, context `dns`): the
 * resolvers every lookup certwatch makes goes to. Pure parsing; `lambdas/probe/dns.ts` builds resolvers.
 */

import { CoreError } from './errors';
import { ipVersion } from './ip';

/**
 * Parses `ADDR[:PORT][,...]` (IPv6 with a port in brackets: `[::1]:53`) into the server strings Node's
 * resolver takes. Empty input = none (the system's resolvers).
 * @throws CoreError DNS_INVALID naming the entry at fault
 */
export function parseDnsServers(raw: string | readonly string[]): string[] {
  const entries = (typeof raw === 'string' ? raw.split(',') : raw.flatMap((r) => r.split(',')))
    .map((e) => e.trim())
    .filter(Boolean);
  return [...new Set(entries.map(parseOne))];
}

function parseOne(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(entry);
  const [address, port] = bracketed ? [bracketed[1], bracketed[2]] : v4 ? [v4[1], v4[2]] : [entry, undefined];
  const family = ipVersion(address);
  if (family === 0) {
    throw new CoreError(
      'DNS_INVALID',
      `DNS server "${entry}" is not ADDR[:PORT] (an IPv6 address with a port goes in brackets: [::1]:53)`,
    );
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new CoreError('DNS_INVALID', `DNS server "${entry}": port must be 1-65535`);
  }
  if (port === undefined) return address;
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
