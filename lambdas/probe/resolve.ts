import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dnsTimeoutMs } from '../core/budgets';
import type { AddressFamily } from '../core/probe-options';
import { pinnedAddresses, type ResolvePin, type Target } from '../core/targets';
import { createResolver } from './dns';
import { ProbeError } from './errors';

/** Addresses of a target, or why there are none. */
export type Resolution = { addresses: string[] } | { error: ProbeError };

/**
 * Finds every address to probe for a target: the `--resolve` pins if any, the host itself if it is an
 * address, else all A and AAAA records from the DNS servers given (or the system's, then falling back
 * to the system's name service, e.g. /etc/hosts), kept to the asked address families. Never throws.
 */
export async function resolveTarget(
  target: Target,
  pins: readonly ResolvePin[],
  timeoutMs: number,
  families: readonly AddressFamily[] = [4, 6],
  dnsServers: readonly string[] = [],
): Promise<Resolution> {
  const resolution = await resolveAll(target, pins, timeoutMs, families, dnsServers);
  if ('error' in resolution) return resolution;
  const kept = resolution.addresses.filter((a) => families.includes(isIP(a) as AddressFamily));
  if (kept.length > 0) return { addresses: kept };
  return {
    error: new ProbeError(
      'DNS_FAILED',
      `${target.host} has no IPv${families.join('/IPv')} address to probe (only ${resolution.addresses.join(', ')})`,
    ),
  };
}

async function resolveAll(
  target: Target,
  pins: readonly ResolvePin[],
  timeoutMs: number,
  families: readonly AddressFamily[],
  dnsServers: readonly string[],
): Promise<Resolution> {
  const pinned = pinnedAddresses(target, pins);
  if (pinned) return { addresses: pinned };
  if (isIP(target.host) !== 0) return { addresses: [target.host] };
  const resolver = createResolver({ servers: dnsServers, timeoutMs: dnsTimeoutMs(timeoutMs) });
  const skipped = Promise.resolve([] as string[]);
  const [v4, v6] = await Promise.allSettled([
    families.includes(4) ? resolver.resolve4(target.host) : skipped,
    families.includes(6) ? resolver.resolve6(target.host) : skipped,
  ]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addresses.length > 0) return { addresses: [...new Set(addresses)] };
  // Servers set explicitly are the only ones asked: no fallback to the system's name service.
  if (dnsServers.length === 0) {
    try {
      const found = await withTimeout(lookup(target.host, { all: true }), timeoutMs);
      if (found.length > 0) return { addresses: [...new Set(found.map((a) => a.address))] };
    } catch {
      // Reported below with the DNS answer, which says more than the system resolver's.
    }
  }
  const reason = v4.status === 'rejected' ? ((v4.reason as { code?: string }).code ?? String(v4.reason)) : 'no records';
  return { error: new ProbeError('DNS_FAILED', `no A or AAAA address for ${target.host} (${reason})`) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
