/**
 * Issued certificates: one record per certificate a log showed for a watched host (the `CT#ISSUED` /
 * `CERT#<link key>` item, docs/ct.md), whatever the number of logs and forms — precertificate and final
 * certificate are one record, keyed by the link key (tbs.ts). A record stays "issued, not yet served"
 * until a frontend serves the certificate. Plain data and pure functions.
 */
import type { LoggedCertFacts } from './logged-cert';

/** One certificate of the chain a log was given (subject, fingerprint, key digest). */
export interface IssuedChainCert {
  subject: string;
  sha256: string;
  spkiSha256Hex: string;
}

/** Where a log showed the certificate. */
export interface IssuedLogEntry {
  logId: string;
  /** The log's name in the list. */
  log: string;
  index: number;
  /** The entry's timestamp (the SCT's), ISO 8601. */
  timestamp: string;
  form: 'precertificate' | 'certificate';
}

/** One issued certificate. */
export interface IssuedCert {
  linkKey: string;
  /** Watched hosts it covers (exact or by wildcard), sorted. */
  hosts: string[];
  dnsNames: string[];
  subject: string;
  issuer: string;
  /** The issuing CA's operator: the organisation of the issuer's name (else its common name). */
  operator: string;
  /** The root the logged chain leads to (its subject), when the log gave the chain. */
  root: string | null;
  /** The chain the log was given (issuer first); empty when unknown. */
  chain: IssuedChainCert[];
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (the observation's form) and its hex (TLSA 3 1 1). */
  spkiSha256: string;
  spkiSha256Hex: string;
  keyAlgorithm: string;
  /** SHA-256 of the final certificate, once a log showed it (a precertificate's is not the certificate's). */
  sha256: string | null;
  logs: IssuedLogEntry[];
  /** The earliest entry timestamp: when the certificate was first logged. */
  loggedAt: string;
  /** When certwatch first read it. */
  recordedAt: string;
  /** When a frontend was first seen serving it; null while issued, not yet served. */
  servedAt: string | null;
  /** Targets that served it. */
  servedTargets: string[];
  /** What was announced about it (CERTIFICATE_ISSUED, UNEXPECTED_ISSUER, POLICY_FORECAST keys). */
  noticed: string[];
  /** Optimistic-concurrency revision of the stored item; 0 = not stored yet. */
  rev: number;
}

/** A verified log entry naming watched hosts, as issuance reads it (the reader gives these). */
export interface IssuanceMatch {
  logId: string;
  log: string;
  index: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  facts: LoggedCertFacts;
  hosts: string[];
  /** The chain the log was given, issuer first (empty when unknown). */
  chain: IssuedChainCert[];
}

/** The organisation (`O=`) of a one-line DN as formatName writes it, else its CN, else the whole name. */
export function operatorOf(dn: string): string {
  const field = (label: string) => {
    const match = new RegExp(`(?:^|, )${label}=((?:\\\\.|[^,\\\\])+)`).exec(dn);
    return match ? match[1].replace(/\\(.)/g, '$1').trim() : null;
  };
  return field('O') ?? field('CN') ?? dn;
}

/** A new record from a match (not yet stored). */
export function newIssued(match: IssuanceMatch, now: Date): IssuedCert {
  const f = match.facts;
  return {
    linkKey: f.linkKey,
    hosts: [...match.hosts],
    dnsNames: [...f.dnsNames],
    subject: f.subject,
    issuer: f.issuer,
    operator: operatorOf(f.issuer),
    root: match.chain.at(-1)?.subject ?? null,
    chain: match.chain,
    serial: f.serial,
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    spkiSha256: f.spkiSha256,
    spkiSha256Hex: f.spkiSha256Hex,
    keyAlgorithm: f.keyAlgorithm,
    sha256: null,
    logs: [],
    loggedAt: new Date(match.timestamp).toISOString(),
    recordedAt: now.toISOString(),
    servedAt: null,
    servedTargets: [],
    noticed: [],
    rev: 0,
  };
}

/** The record with one more log entry merged in (idempotent: the same entry twice changes nothing). */
export function mergeMatch(record: IssuedCert, match: IssuanceMatch): IssuedCert {
  const form = match.facts.precertificate ? 'precertificate' : 'certificate';
  const timestamp = new Date(match.timestamp).toISOString();
  const known = record.logs.some((l) => l.logId === match.logId && l.index === match.index);
  const logs = known
    ? record.logs
    : [
        ...record.logs,
        { logId: match.logId, log: match.log, index: match.index, timestamp, form } as IssuedLogEntry,
      ].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.log.localeCompare(b.log));
  return {
    ...record,
    hosts: [...new Set([...record.hosts, ...match.hosts])].sort(),
    root: record.root ?? match.chain.at(-1)?.subject ?? null,
    chain: record.chain.length > 0 ? record.chain : match.chain,
    sha256: record.sha256 ?? match.facts.sha256,
    logs,
    loggedAt: timestamp < record.loggedAt ? timestamp : record.loggedAt,
  };
}

/** Whether the record changed in a way worth storing. */
export function issuedChanged(before: IssuedCert | undefined, after: IssuedCert): boolean {
  return before === undefined || JSON.stringify(before) !== JSON.stringify(after);
}

/** Issued certificates not yet served and not expired at `now`, oldest first. */
export function issuedNotYetServed(records: readonly IssuedCert[], now: Date): IssuedCert[] {
  const at = now.toISOString();
  return records
    .filter((r) => r.servedAt === null && r.notAfter > at)
    .sort((a, b) => a.loggedAt.localeCompare(b.loggedAt));
}
