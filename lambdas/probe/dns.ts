/**
 * The one place DNS resolvers are built: every lookup (A/AAAA, MX, and TXT/TLSA for consumer policies)
 * goes to the servers of the one DNS setting (`--dns`, `CERTWATCH_DNS`, context `dns`), or to the
 * system's when none is set, with a bounded timeout and number of tries.
 */
import { Resolver } from 'node:dns/promises';
import type { MxAnswer } from '../core/mx';

/** How to build a resolver. */
export interface DnsOptions {
  /** Servers as `parseDnsServers` returns them; empty or absent = the system's resolvers. */
  servers?: readonly string[];
  /** Per-try timeout in ms (Node's `timeout`); default 2 500. */
  timeoutMs?: number;
  /** Tries per query (Node's `tries`); default 2. */
  tries?: number;
}

/** A `dns.promises.Resolver` on the configured servers, with timeout and tries set. */
export function createResolver(options: DnsOptions = {}): Resolver {
  const resolver = new Resolver({ timeout: Math.max(100, options.timeoutMs ?? 2_500), tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

/** Whether the servers are set explicitly (then nothing falls back to the system's name service). */
export function hasExplicitServers(options: DnsOptions): boolean {
  return (options.servers?.length ?? 0) > 0;
}

/**
 * The MX hosts of a domain. No MX record at all means the domain itself (RFC 5321 §5.1, implicit MX);
 * a null MX (RFC 7505, `0 .`) means the domain takes no mail: no host. Never throws.
 */
export async function lookupMx(domain: string, options: DnsOptions = {}): Promise<MxAnswer> {
  const resolver = createResolver(options);
  try {
    const records = await resolver.resolveMx(domain);
    const hosts = records
      .filter((r) => r.exchange !== '' && r.exchange !== '.')
      .map((r) => ({ host: r.exchange, preference: r.priority }));
    if (hosts.length === 0 && records.length > 0) {
      return { error: { code: 'DNS_FAILED', message: `${domain} publishes a null MX: it accepts no mail` } };
    }
    return { hosts };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERROR';
    if (code === 'ENODATA') return { hosts: [{ host: domain, preference: 0 }] };
    return { error: { code: 'DNS_FAILED', message: `MX lookup of ${domain} failed (${code})` } };
  }
}
