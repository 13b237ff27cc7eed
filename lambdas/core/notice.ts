/**
 * Notices: what certwatch tells people. The types and severities are a contract (DESIGN.md); each notice
 * is a machine-readable body (`facts`) plus a short human text and an SNS-sized subject.
 */
import { createHash } from 'node:crypto';
import type { CertRole } from './history';
import { renderNotice } from './notice-text';
import type { KeyType, ProbeErrorCode, ValidationErrorCode } from './observation';
import type {
  MtaStsChangedFacts,
  PinUnusedFacts,
  PolicyMismatchFacts,
  PolicySatisfiedFacts,
} from './policy/notice-facts';
import type { PolicyVerdict, TlsVersion, VersionSuite } from './posture/posture';

/** Every notice type (contract). */
export type NoticeType =
  | 'BASELINE'
  | 'NEW_CERTIFICATE'
  | 'CERTIFICATE_RETIRED'
  | 'CERTIFICATE_RETURNED'
  | 'EXPIRY_WARNING'
  | 'ROTATION_OVERDUE'
  | 'EXPIRED'
  | 'CHAIN_INVALID'
  | 'HOSTNAME_MISMATCH'
  | 'ISSUER_CHANGED'
  | 'STARTTLS_MISSING'
  | 'TLS_POSTURE_CHANGED'
  | 'TLS_POLICY_VIOLATED'
  | 'MX_CHANGED'
  | 'POLICY_MISMATCH'
  | 'POLICY_WARNING'
  | 'POLICY_SATISFIED'
  | 'PIN_UNUSED'
  | 'MTA_STS_CHANGED'
  | 'PROBE_FAILING'
  | 'PROBE_RECOVERED'
  | 'HEARTBEAT'
  | 'TEST';

/** How urgent a notice is; the SNS attribute `severity` subscribers filter on. */
export type Severity = 'info' | 'warning' | 'critical';

/**
 * The one severity table (contract; the README documents it). A notice's severity is its type's.
 * critical = the service is exposed right now (bad or expired certificate served, plaintext downgrade).
 */
export const NOTICE_SEVERITY: Readonly<Record<NoticeType, Severity>> = Object.freeze({
  BASELINE: 'info',
  NEW_CERTIFICATE: 'info',
  CERTIFICATE_RETIRED: 'info',
  CERTIFICATE_RETURNED: 'warning',
  EXPIRY_WARNING: 'warning',
  ROTATION_OVERDUE: 'warning',
  EXPIRED: 'critical',
  CHAIN_INVALID: 'critical',
  HOSTNAME_MISMATCH: 'critical',
  ISSUER_CHANGED: 'warning',
  STARTTLS_MISSING: 'critical',
  TLS_POSTURE_CHANGED: 'warning',
  TLS_POLICY_VIOLATED: 'critical',
  MX_CHANGED: 'warning',
  POLICY_MISMATCH: 'critical',
  POLICY_WARNING: 'warning',
  POLICY_SATISFIED: 'info',
  PIN_UNUSED: 'info',
  MTA_STS_CHANGED: 'warning',
  PROBE_FAILING: 'warning',
  PROBE_RECOVERED: 'info',
  HEARTBEAT: 'info',
  TEST: 'info',
});

/** All notice types, in the table's order. */
export const NOTICE_TYPES = Object.keys(NOTICE_SEVERITY) as NoticeType[];

/** The facts about one certificate that every certificate notice carries. */
export interface CertFacts {
  sha256: string;
  role: CertRole;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Days from the notice's instant to notAfter, floored to a tenth (core/days.ts); negative once expired. */
  daysLeft: number;
  keyAlgorithm: string;
  spkiSha256: string;
  sans: string[];
}

/** How a new leaf differs from the one it replaces. */
export type RotationClass = 'same-key-renewal' | 're-key' | 'issuer-change' | 'key-type-change';

/** The classification of a rotation, with the comparisons it was made from. */
export interface RotationFacts {
  classification: RotationClass;
  sameKey: boolean;
  sameKeyAlgorithm: boolean;
  sameIssuer: boolean;
  /** null when either anchor is unknown (chain did not validate). */
  sameAnchor: boolean | null;
}

/** One failed probe, as notices report it. */
export interface ProbeFailureFacts {
  address: string;
  keyType: KeyType;
  code: ProbeErrorCode;
  message: string;
}

/** One MX host of a domain with its preference (lower = preferred). */
export interface MxHostFacts {
  host: string;
  preference: number;
}

/** What a target serves, as the baseline summarises it. */
export interface BaselineTargetFacts {
  target: string;
  host: string;
  addresses: string[];
  /** The key types whose baseline this is (first cycle with a successful observation). */
  keyTypes: KeyType[];
  leaves: Array<CertFacts & { keyType: KeyType; addresses: string[] }>;
  failures: ProbeFailureFacts[];
}

/**
 * One target of a notice about a leaf several targets of the cycle share (NEW_CERTIFICATE,
 * CERTIFICATE_RETIRED, CERTIFICATE_RETURNED, EXPIRY_WARNING): the notice is sent once, listing them.
 */
export interface SharedTargetFacts {
  target: string;
  host: string;
  /** The addresses this notice is about at that target (serving, retired from, or returned to). */
  addresses: string[];
  /** NEW_CERTIFICATE only: the rollout at that target. */
  rollout?: RolloutFacts;
}

/**
 * Rollout progress of a leaf at a target, from the serving mix over the window: `share` = its share of the
 * handshakes (0–1, two decimals), `serving` = the addresses whose mix holds it, `total` = the addresses of
 * that key type observed within the window. One load-balanced address serves old and new alike, so the
 * share is the measure; the address counts only say where.
 */
export interface RolloutFacts {
  share: number;
  serving: number;
  total: number;
}

/**
 * How a retirement was decided: `rule` = the weakest release among the addresses that served the leaf
 * (`sampling` — cycles without it at a share that makes its continued service improbable; `duration` —
 * absent for the address's window; `stale` — addresses unobserved past their window; `withdrawn` — its key
 * type is offered nowhere any more); `predicted` = the false-retirement probability the sampling test
 * allowed for it (0 unless sampling decided), `looks` = cycles of the rollout the test had run.
 */
export interface RetirementEvidenceFacts {
  rule: 'sampling' | 'duration' | 'stale' | 'withdrawn';
  predicted: number;
  looks: number;
}

/** Where a retired leaf went: per address that served it, what replaced it (null = gone stale). */
export interface ReplacedOnFacts {
  address: string;
  /** The leaf last observed there, or null when the address has gone unobserved past the stale window. */
  by: string | null;
  /** When the address was last observed. */
  at: string;
}

/** The body of each notice type. */
export interface NoticeFactsMap {
  BASELINE: { targets: BaselineTargetFacts[] };
  NEW_CERTIFICATE: {
    keyType: KeyType;
    cert: CertFacts;
    chain: string[];
    anchor: string | null;
    replaces: CertFacts[];
    rotation: RotationFacts | null;
    /** Rollout progress from the serving mix; `addresses` = those that presented it this cycle. */
    rollout: RolloutFacts & { addresses: string[] };
    targets?: SharedTargetFacts[];
  };
  CERTIFICATE_RETIRED: {
    keyType: KeyType;
    cert: CertFacts;
    firstSeen: string;
    lastSeen: string;
    /** Every address that served it. */
    addresses: string[];
    replacedOn: ReplacedOnFacts[];
    /** The leaves that replaced it (what its addresses serve now). */
    successors: CertFacts[];
    /** How the retirement was decided (absent on notices of earlier releases). */
    evidence?: RetirementEvidenceFacts;
    targets?: SharedTargetFacts[];
  };
  CERTIFICATE_RETURNED: {
    keyType: KeyType;
    cert: CertFacts;
    /** The addresses serving it again. */
    addresses: string[];
    retiredAt: string;
    /** When it was last observed before it went. */
    lastSeen: string;
    /** Hours from `lastSeen` to this cycle, one decimal. */
    goneHours: number;
    /** The leaves those addresses served before (the ones it displaces). */
    displaces: CertFacts[];
    targets?: SharedTargetFacts[];
  };
  EXPIRY_WARNING: {
    keyType: KeyType;
    cert: CertFacts;
    thresholdDays: number;
    addresses: string[];
    targets?: SharedTargetFacts[];
  };
  ROTATION_OVERDUE: {
    keyType: KeyType;
    cert: CertFacts;
    lifetimeShare: number;
    thresholdShare: number;
    addresses: string[];
  };
  EXPIRED: { keyType: KeyType; cert: CertFacts; addresses: string[] };
  CHAIN_INVALID: {
    keyType: KeyType;
    cert: CertFacts;
    chain: string[];
    error: { code: ValidationErrorCode | 'UNKNOWN'; message: string };
    addresses: string[];
  };
  HOSTNAME_MISMATCH: { keyType: KeyType; cert: CertFacts; expectedName: string; addresses: string[] };
  ISSUER_CHANGED: {
    keyType: KeyType;
    cert: CertFacts;
    previous: CertFacts;
    previousIssuer: string;
    issuer: string;
    previousIntermediate: string | null;
    intermediate: string | null;
    previousAnchor: string | null;
    anchor: string | null;
    rotation: RotationFacts;
  };
  STARTTLS_MISSING: { addresses: string[]; banner: string | null; ehlo: string[] };
  TLS_POSTURE_CHANGED: {
    address: string;
    /** Accepted now, not before (version + IANA suite). */
    added: VersionSuite[];
    /** Accepted before, not now. */
    removed: VersionSuite[];
    versionsAdded: TlsVersion[];
    versionsRemoved: TlsVersion[];
    /** When the previous complete enumeration was made. */
    previousAt: string;
  };
  TLS_POLICY_VIOLATED: { address: string; failing: PolicyVerdict[] };
  MX_CHANGED: {
    domain: string;
    /** The MX hosts now, in preference order. */
    hosts: MxHostFacts[];
    previous: MxHostFacts[];
    added: string[];
    removed: string[];
  };
  POLICY_MISMATCH: PolicyMismatchFacts;
  POLICY_WARNING: PolicyMismatchFacts;
  POLICY_SATISFIED: PolicySatisfiedFacts;
  PIN_UNUSED: PinUnusedFacts;
  MTA_STS_CHANGED: MtaStsChangedFacts;
  PROBE_FAILING: { consecutiveFailures: number; failures: ProbeFailureFacts[] };
  PROBE_RECOVERED: { failedCycles: number; addresses: string[] };
  HEARTBEAT: { message: string };
  TEST: { message: string };
}

/** The facts of one notice type. */
export type NoticeFacts<T extends NoticeType = NoticeType> = NoticeFactsMap[T];

/** One notice: the JSON body published (contract). */
export interface Notice<T extends NoticeType = NoticeType> {
  type: T;
  severity: Severity;
  /** Stable identity: the same event always gets the same key, so it is published once. */
  dedupeKey: string;
  /** The target URL, or null for a notice about several targets (a baseline of many) or none (TEST). */
  target: string | null;
  /** Host names concerned (the SNS `host` attribute). */
  hosts: string[];
  /** The cycle's instant (ISO 8601). */
  at: string;
  /** ≤ 100 printable ASCII characters, usable as SNS Subject. */
  subject: string;
  /** A few lines for people. */
  text: string;
  facts: NoticeFactsMap[T];
}

/** What {@link createNotice} needs; severity, subject and text are derived. */
export interface NoticeInput<T extends NoticeType> {
  type: T;
  dedupeKey: string;
  target: string | null;
  hosts: string[];
  at: Date | string;
  facts: NoticeFactsMap[T];
}

/** Builds a notice, deriving severity from the table and subject/text from the facts. */
export function createNotice<T extends NoticeType>(input: NoticeInput<T>): Notice<T> {
  const at = typeof input.at === 'string' ? input.at : input.at.toISOString();
  const base = {
    type: input.type,
    severity: NOTICE_SEVERITY[input.type],
    dedupeKey: input.dedupeKey,
    target: input.target,
    hosts: [...new Set(input.hosts)],
    at,
    facts: input.facts,
  };
  const { subject, text } = renderNotice(base);
  return { ...base, subject, text };
}

/** A dedupe key: type, then the parts that identify the event, `#`-separated. */
export function noticeKey(type: NoticeType, ...parts: Array<string | number>): string {
  return [type, ...parts].join('#');
}

/**
 * The dedupe key of a baseline over a set of targets and the target × key type pairs it records
 * (order-free; hashed to stay short).
 */
export function baselineKey(targets: readonly string[], pairs: readonly string[] = []): string {
  const digest = createHash('sha256')
    .update([...targets].sort().join('\n'))
    .update(pairs.length > 0 ? `\n\n${[...new Set(pairs)].sort().join('\n')}` : '')
    .digest('hex')
    .slice(0, 32);
  return noticeKey('BASELINE', digest);
}

/** A short order-free digest of strings, for dedupe keys. */
export function digestOf(parts: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(parts)].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/** A TEST notice (for `certwatch notify-test`): proves the path to subscribers. */
export function createTestNotice(now: Date, message = 'certwatch test notice: delivery works.'): Notice<'TEST'> {
  return createNotice({
    type: 'TEST',
    dedupeKey: noticeKey('TEST', now.toISOString()),
    target: null,
    hosts: [],
    at: now,
    facts: { message },
  });
}
