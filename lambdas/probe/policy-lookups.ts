/**
 * The network half of the consumer policy: before a cycle's chains are judged, find the MX hosts of
 * `mx:DOMAIN` policy targets, the TLSA records of `tlsa: dns` policies and the MTA-STS policies named,
 * each once per run, each with a timeout. Failures are data (a lookup code), never exceptions.
 */

import type { Resolver } from 'node:dns/promises';
import { rootCertificates } from 'node:tls';
import { dnsTimeoutMs } from '../core/budgets';
import { orderMx } from '../core/mx';
import { matchingPolicies, type PolicySubject } from '../core/policy/evaluate';
import type { Lookup, MtaStsPolicy, PolicyLookups, PolicySet, TlsaRecord } from '../core/policy/model';
import { tlsaOwner } from '../core/policy/tlsa';
import type { ProbeOptions } from '../core/probe-options';
import type { Target } from '../core/targets';
import { derToPem } from '../core/x509/pem';
import { googleTrustStore } from '../trust/trust-stores';
import { createResolver, type DnsOptions, lookupMx } from './dns';
import { lookupTlsa } from './dns-tlsa';
import { fetchMtaSts } from './mta-sts-fetch';

/** How lookups are made; tests and the MTA-STS fetcher share the resolver settings of the probes. */
export interface LookupDeps {
  mx(domain: string): Promise<Lookup<string[]>>;
  tlsa(owner: string): Promise<Lookup<TlsaRecord[]>>;
  mtaSts(domain: string): Promise<Lookup<MtaStsPolicy>>;
}

/** MX hosts by preference, with the watch list's semantics (implicit MX, null MX) from the one DNS module. */
export async function policyMx(domain: string, options: DnsOptions): Promise<Lookup<string[]>> {
  const answer = await lookupMx(domain, options);
  if ('error' in answer) return { ok: false, code: 'MX_LOOKUP_FAILED', message: answer.error.message };
  const hosts = orderMx(answer.hosts).map((h) => h.host.toLowerCase().replace(/\.$/, ''));
  return { ok: true, value: [...new Set(hosts)] };
}

/** A resolver for the probes' servers (`[]` = the system's), built by the one DNS module. */
export function policyResolver(servers: readonly string[], timeoutMs: number): Resolver {
  return createResolver({ servers, timeoutMs: dnsTimeoutMs(timeoutMs) });
}

function subjectOf(target: Target): PolicySubject {
  return { target: target.url, host: target.host, port: target.port, validation: null, hostnameMatch: null };
}

/** Makes every lookup the policy set needs for these targets. */
export async function gatherPolicyLookups(
  set: PolicySet,
  targets: readonly Target[],
  deps: LookupDeps,
): Promise<PolicyLookups> {
  const domains = [...new Set(set.policies.flatMap((p) => p.targets.filter((t) => t.startsWith('mx:'))))].map((t) =>
    t.slice(3),
  );
  const mx = new Map(await Promise.all(domains.map(async (d) => [d, await deps.mx(d)] as const)));
  const partial: PolicyLookups = { mx, tlsa: new Map(), mtaSts: new Map() };
  const owners = new Set<string>();
  const stsDomains = new Set<string>();
  for (const target of targets) {
    for (const policy of matchingPolicies(set, subjectOf(target), partial)) {
      if (policy.tlsa === 'dns') owners.add(tlsaOwner(target.host, target.port));
      if (policy.mtaSts && target.port === 25) stsDomains.add(policy.mtaSts);
    }
  }
  const [tlsa, mtaSts] = await Promise.all([
    Promise.all([...owners].map(async (o) => [o, await deps.tlsa(o)] as const)),
    Promise.all([...stsDomains].map(async (d) => [d, await deps.mtaSts(d)] as const)),
  ]);
  return { mx, tlsa: new Map(tlsa), mtaSts: new Map(mtaSts) };
}

/** The probes' anchors as PEM, for the HTTPS fetches (MTA-STS policies, revocation sources). */
export function anchorsPem(options: ProbeOptions): string[] {
  const base =
    options.trust === 'google'
      ? googleTrustStore()
          .certificates()
          .map((c) => derToPem(c.der))
      : [...rootCertificates];
  return [...base, ...(options.extraAnchorsDer ?? []).map((der) => derToPem(der))];
}

/** The lookups of a probe run, with the probes' resolvers (`dnsServers`), pins and trust set. */
export function defaultLookupDeps(options: ProbeOptions): LookupDeps {
  const servers = options.dnsServers ?? [];
  const resolver = policyResolver(servers, options.timeoutMs);
  let ca: string[] | undefined;
  return {
    mx: (domain) => policyMx(domain, { servers, timeoutMs: dnsTimeoutMs(options.timeoutMs) }),
    tlsa: (owner) => lookupTlsa(owner, servers, dnsTimeoutMs(options.timeoutMs)),
    mtaSts: (domain) => {
      ca ??= anchorsPem(options);
      return fetchMtaSts(domain, { resolver, resolve: options.resolve, ca, timeoutMs: options.timeoutMs });
    },
  };
}
