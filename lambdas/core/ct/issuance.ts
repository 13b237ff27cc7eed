/**
 * What a cycle's verified log entries mean for the watched hosts (docs/ct.md "Notices"): each certificate
 * is recorded once (its forms and logs merged), announced once as issued unless a frontend already serves
 * it, and flagged when its CA operator was never seen serving that host. Pure: the histories of the
 * watched hosts are read beforehand and passed in.
 */
import { commonName } from '../x509/dn';
import { type IssuanceMatch, type IssuedCert, issuedChanged, mergeMatch, newIssued, operatorOf } from './issued';

/** A leaf a target served, as issuance compares it. */
export interface ServedLeaf {
  target: string;
  sha256: string;
  issuer: string;
  serial: string;
  firstSeen: string;
  /** The served leaf's link key, when the probe computed it (CT on). */
  linkKey?: string;
}

/** What the history says about one watched host. */
export interface HostHistory {
  /** Leaves its targets served (any time). */
  leaves: ServedLeaf[];
}

/** Input of {@link detectIssuance}. */
export interface IssuanceInput {
  matches: readonly IssuanceMatch[];
  /** Stored records by link key. */
  issued: ReadonlyMap<string, IssuedCert>;
  /** Watched targets by watched host name. */
  targetsByHost: ReadonlyMap<string, readonly string[]>;
  /** History by watched host name (hosts without history may be absent). */
  served: ReadonlyMap<string, HostHistory>;
  /** CA operators or roots expected for every host (`expectIssuers`), as written. */
  expectIssuers: readonly string[];
  now: Date;
}

/** A host of an unexpected certificate and the operators seen serving it. */
export interface UnexpectedHost {
  host: string;
  seen: string[];
}

/** What issuance found worth a notice. */
export type IssuanceEvent =
  | { type: 'CERTIFICATE_ISSUED'; record: IssuedCert; targets: string[] }
  | { type: 'UNEXPECTED_ISSUER'; record: IssuedCert; targets: string[]; hosts: UnexpectedHost[] };

/** What issuance decided. */
export interface IssuanceResult {
  /** Records to store (new or changed). */
  records: IssuedCert[];
  events: IssuanceEvent[];
}

/** The `noticed` marks of a record. */
export const NOTICED = { issued: 'CERTIFICATE_ISSUED', unexpected: 'UNEXPECTED_ISSUER' } as const;

/** Whether a served leaf is this certificate: its link key, its final fingerprint, or its issuer and serial. */
export function servesRecord(leaf: ServedLeaf, record: IssuedCert): boolean {
  if (leaf.linkKey !== undefined) return leaf.linkKey === record.linkKey;
  return leaf.sha256 === record.sha256 || (leaf.issuer === record.issuer && leaf.serial === record.serial);
}

function expected(record: IssuedCert, expectIssuers: readonly string[]): boolean {
  const names = [record.operator, commonName(record.issuer), record.root, record.root ? commonName(record.root) : null]
    .filter((n): n is string => n !== null)
    .map((n) => n.toLowerCase());
  return expectIssuers.some((e) => names.includes(e.trim().toLowerCase()));
}

function targetsOf(record: IssuedCert, input: IssuanceInput): string[] {
  return [...new Set(record.hosts.flatMap((h) => input.targetsByHost.get(h) ?? []))].sort();
}

/** Marks a record served when a target's history already shows it. */
function withServed(record: IssuedCert, input: IssuanceInput): IssuedCert {
  const leaves = record.hosts.flatMap((h) => input.served.get(h)?.leaves ?? []).filter((l) => servesRecord(l, record));
  if (leaves.length === 0) return record;
  const first = leaves.map((l) => l.firstSeen).sort()[0];
  return {
    ...record,
    servedAt: record.servedAt ?? first,
    servedTargets: [...new Set([...record.servedTargets, ...leaves.map((l) => l.target)])].sort(),
  };
}

/** Records this cycle's matches and says what to announce. */
export function detectIssuance(input: IssuanceInput): IssuanceResult {
  const byKey = new Map<string, IssuanceMatch[]>();
  for (const m of input.matches) byKey.set(m.facts.linkKey, [...(byKey.get(m.facts.linkKey) ?? []), m]);
  const records: IssuedCert[] = [];
  const events: IssuanceEvent[] = [];
  for (const [key, matches] of byKey) {
    const stored = input.issued.get(key);
    let record = stored ?? newIssued(matches[0], input.now);
    for (const m of matches) record = mergeMatch(record, m);
    record = withServed(record, input);
    const targets = targetsOf(record, input);
    if (record.servedAt === null && !record.noticed.includes(NOTICED.issued)) {
      record = { ...record, noticed: [...record.noticed, NOTICED.issued] };
      events.push({ type: 'CERTIFICATE_ISSUED', record, targets });
      const unexpected = record.hosts.flatMap((host): UnexpectedHost[] => {
        const leaves = input.served.get(host)?.leaves ?? [];
        if (leaves.length === 0) return [];
        const seen = [...new Set(leaves.map((l) => operatorOf(l.issuer)))].sort();
        return seen.includes(record.operator) ? [] : [{ host, seen }];
      });
      if (unexpected.length > 0 && !expected(record, input.expectIssuers)) {
        record = { ...record, noticed: [...record.noticed, NOTICED.unexpected] };
        events.push({ type: 'UNEXPECTED_ISSUER', record, targets, hosts: unexpected });
      }
    }
    if (issuedChanged(stored, record)) records.push(record);
  }
  // Events carry the record as stored (with every mark).
  const final = new Map(records.map((r) => [r.linkKey, r]));
  return { records, events: events.map((e) => ({ ...e, record: final.get(e.record.linkKey) ?? e.record })) };
}
