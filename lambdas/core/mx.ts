/**
 * MX discovery, the pure part: which hosts an `mx:DOMAIN` entry stands for this cycle, and whether the
 * set changed since the last cycle (an MX_CHANGED notice with what was added and removed).
 */
import { createNotice, type MxHostFacts, type Notice } from './notice';
import { MX_CHANGED } from './notices/types/mx-changed';
import { parseTarget, type Target } from './targets';

/** The MX set of a domain as last stored (the `MX#<domain>` item). */
export interface MxRecord {
  domain: string;
  /** In preference order. */
  hosts: MxHostFacts[];
  /** Hosts that left the set, with when they left (a host back in the set is dropped from here). */
  gone: Record<string, string>;
  checkedAt: string;
  changedAt: string;
  /** Revision for conditional writes; 0 = never stored. */
  rev: number;
}

/** What an MX lookup gave: hosts, or why there are none. */
export type MxAnswer = { hosts: MxHostFacts[] } | { error: { code: 'DNS_FAILED'; message: string } };

/** The outcome of one cycle's MX step for one domain. */
export interface MxStep {
  /** The targets to probe this cycle (`smtp://HOST:25`, preference order). */
  targets: Target[];
  /** The record to store (null when nothing changed that needs writing). */
  next: MxRecord | null;
  notice: Notice<'MX_CHANGED'> | null;
}

/** Sorts MX hosts by preference, then name; drops duplicates and the trailing dot. */
export function orderMx(hosts: readonly MxHostFacts[]): MxHostFacts[] {
  const byHost = new Map<string, MxHostFacts>();
  for (const h of hosts) {
    const host = h.host.toLowerCase().replace(/\.$/, '');
    const seen = byHost.get(host);
    if (host !== '' && (!seen || h.preference < seen.preference)) byHost.set(host, { host, preference: h.preference });
  }
  return [...byHost.values()].sort((a, b) => a.preference - b.preference || a.host.localeCompare(b.host));
}

/**
 * One domain's MX step. A failed lookup keeps the last known hosts (their histories go on; the failure
 * is an observation of its own). The first answer sets the record without a notice; a later answer
 * with other hosts raises MX_CHANGED (its dedupe key names the revision it changes, so a cycle that is
 * redone after a crash raises the same notice).
 */
export function mxStep(domain: string, previous: MxRecord | null, answer: MxAnswer, now: Date): MxStep {
  const at = now.toISOString();
  if ('error' in answer) return { targets: toTargets(previous?.hosts ?? []), next: null, notice: null };
  const hosts = orderMx(answer.hosts);
  const targets = toTargets(hosts);
  if (!previous) {
    return { targets, next: { domain, hosts, gone: {}, checkedAt: at, changedAt: at, rev: 0 }, notice: null };
  }
  const before = new Set(previous.hosts.map((h) => h.host));
  const after = new Set(hosts.map((h) => h.host));
  const added = hosts.filter((h) => !before.has(h.host)).map((h) => h.host);
  const removed = previous.hosts.filter((h) => !after.has(h.host)).map((h) => h.host);
  const reordered = !added.length && !removed.length && !sameOrder(previous.hosts, hosts);
  if (!added.length && !removed.length && !reordered) return { targets, next: null, notice: null };
  const gone = Object.fromEntries(Object.entries(previous.gone).filter(([host]) => !after.has(host)));
  for (const host of removed) gone[host] = at;
  const next: MxRecord = { ...previous, hosts, gone, checkedAt: at, changedAt: at };
  if (reordered) return { targets, next, notice: null };
  const notice = createNotice({
    type: 'MX_CHANGED',
    dedupeKey: MX_CHANGED.key(domain, previous.rev),
    target: `mx:${domain}`,
    hosts: [...added, ...removed],
    at: now,
    facts: { domain, hosts, previous: previous.hosts, added, removed },
  });
  return { targets, next, notice };
}

function sameOrder(a: readonly MxHostFacts[], b: readonly MxHostFacts[]): boolean {
  return a.length === b.length && a.every((h, i) => h.host === b[i].host && h.preference === b[i].preference);
}

function toTargets(hosts: readonly MxHostFacts[]): Target[] {
  const targets: Target[] = [];
  for (const { host } of hosts) {
    try {
      targets.push(parseTarget(`smtp://${host}:25`));
    } catch {
      // A name that is no host name (e.g. the null MX ".") gives nothing to probe.
    }
  }
  return targets;
}
