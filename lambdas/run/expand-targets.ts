/**
 * Turns watch-list entries into this cycle's targets: URLs as they are, `mx:DOMAIN` into the domain's MX
 * hosts (`smtp://MX:25`, preference order). An MX set that changed is an MX_CHANGED notice, recorded in
 * the outbox before the new set is stored (a cycle cut short raises the same notice again, deduplicated);
 * a failed MX lookup is an observation with code DNS_FAILED and keeps the last known hosts.
 */

import { type MxAnswer, mxStep } from '../core/mx';
import type { Notice } from '../core/notice';
import type { KeyType, Observation } from '../core/observation';
import type { HistoryStore } from '../core/ports';
import type { Target } from '../core/targets';
import type { WatchTarget } from '../core/watch-list';
import type { DnsOptions } from '../probe/dns';
import { lookupMx } from '../probe/dns';
import { mapWithLimit } from '../probe/pool';

/** This cycle's targets and what expanding them produced. */
export interface ExpandedTargets {
  targets: Target[];
  /** DNS_FAILED observations of MX lookups. */
  observations: Observation[];
  /** MX_CHANGED notices, already recorded in the outbox. */
  notices: Notice[];
  /** Hosts per MX entry this cycle (for reports). */
  mx: Array<{ domain: string; hosts: string[] }>;
}

/** What expansion needs besides the entries. */
export interface ExpandOptions {
  store: HistoryStore;
  dns: DnsOptions;
  keyTypes: readonly KeyType[];
  now: Date;
  /** MX lookups in flight at once (default 8). */
  concurrency?: number;
  /** Test hook: the MX lookup (default: DNS through `lambdas/probe/dns.ts`). */
  lookup?: (domain: string, dns: DnsOptions) => Promise<MxAnswer>;
}

/** Expands entries into targets (URLs deduplicated, first occurrence kept). */
export async function expandWatchTargets(
  entries: readonly WatchTarget[],
  options: ExpandOptions,
): Promise<ExpandedTargets> {
  const { store, now } = options;
  const lookup = options.lookup ?? lookupMx;
  const domains = entries.filter((e) => e.kind === 'mx').map((e) => e.domain);
  const steps = await mapWithLimit(domains, options.concurrency ?? 8, async (domain) => {
    const [answer, previous] = await Promise.all([lookup(domain, options.dns), store.loadMx(domain)]);
    const step = mxStep(domain, previous, answer, now);
    if (step.notice) await store.recordNotices([step.notice], now);
    // Lost to another cycle that stored the same answer: its notice has the same dedupe key.
    if (step.next) await store.saveMx(step.next);
    return { domain, answer, step };
  });
  const byDomain = new Map(steps.map((s) => [s.domain, s]));
  const targets = new Map<string, Target>();
  const observations: Observation[] = [];
  const notices: Notice[] = [];
  const mx: ExpandedTargets['mx'] = [];
  for (const entry of entries) {
    if (entry.kind === 'url') {
      if (!targets.has(entry.key)) targets.set(entry.key, entry.target);
      continue;
    }
    const { answer, step } = byDomain.get(entry.domain) as (typeof steps)[number];
    if ('error' in answer) observations.push(...dnsFailures(entry.domain, answer.error.message, options));
    if (step.notice) notices.push(step.notice);
    for (const target of step.targets) if (!targets.has(target.url)) targets.set(target.url, target);
    mx.push({ domain: entry.domain, hosts: step.targets.map((t) => t.host) });
  }
  return { targets: [...targets.values()], observations, notices, mx };
}

function dnsFailures(domain: string, message: string, options: ExpandOptions): Observation[] {
  return options.keyTypes.map((keyType) => ({
    target: `mx:${domain}`,
    host: domain,
    port: 25,
    mode: 'starttls',
    address: '',
    keyType,
    ok: false,
    error: { code: 'DNS_FAILED', message },
    smtp: { banner: null, ehlo: [], starttls: false },
    tls: { protocol: null, cipher: null },
    chain: [],
    validation: null,
    hostnameMatch: null,
    observedAt: options.now.toISOString(),
    durationMs: 0,
  }));
}
