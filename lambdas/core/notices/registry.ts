/**
 * Every notice type, one line each (contract: the types, their severities and facts are what subscribers
 * filter on and read; docs/notices.md is generated from this list). The order is the documentation's.
 * To add a type: its module under `types/` and one line here (docs/architecture.md "Adding a notice type").
 */
import type { NoticeKind, Severity } from './kind';
import { BASELINE } from './types/baseline';
import { CERTIFICATE_ISSUED } from './types/certificate-issued';
import { CERTIFICATE_RETIRED } from './types/certificate-retired';
import { CERTIFICATE_RETURNED } from './types/certificate-returned';
import { CERTIFICATE_REVOKED } from './types/certificate-revoked';
import { CHAIN_INVALID } from './types/chain-invalid';
import { CT_LOG_BEHIND } from './types/ct-log-behind';
import { CT_LOG_INCONSISTENT } from './types/ct-log-inconsistent';
import { EXPIRED } from './types/expired';
import { EXPIRY_WARNING } from './types/expiry-warning';
import { HEARTBEAT } from './types/heartbeat';
import { HOSTNAME_MISMATCH } from './types/hostname-mismatch';
import { ISSUER_CHANGED } from './types/issuer-changed';
import { KEY_TYPE_WITHDRAWN } from './types/key-type-withdrawn';
import { MTA_STS_CHANGED } from './types/mta-sts-changed';
import { MX_CHANGED } from './types/mx-changed';
import { NEW_CERTIFICATE } from './types/new-certificate';
import { PIN_UNUSED } from './types/pin-unused';
import { POLICY_FORECAST } from './types/policy-forecast';
import { POLICY_MISMATCH } from './types/policy-mismatch';
import { POLICY_SATISFIED } from './types/policy-satisfied';
import { POLICY_WARNING } from './types/policy-warning';
import { PROBE_FAILING } from './types/probe-failing';
import { PROBE_RECOVERED } from './types/probe-recovered';
import { REVOCATION_UNKNOWN } from './types/revocation-unknown';
import { ROLLOUT_PROGRESS } from './types/rollout-progress';
import { ROTATION_OVERDUE } from './types/rotation-overdue';
import { STARTTLS_MISSING } from './types/starttls-missing';
import { TEST } from './types/test';
import { TLS_POLICY_VIOLATED } from './types/tls-policy-violated';
import { TLS_POSTURE_CHANGED } from './types/tls-posture-changed';
import { UNEXPECTED_ISSUER } from './types/unexpected-issuer';

/** The catalogue. */
export const NOTICE_KINDS = [
  BASELINE,
  NEW_CERTIFICATE,
  CERTIFICATE_RETIRED,
  CERTIFICATE_RETURNED,
  ROLLOUT_PROGRESS,
  KEY_TYPE_WITHDRAWN,
  EXPIRY_WARNING,
  ROTATION_OVERDUE,
  EXPIRED,
  CERTIFICATE_REVOKED,
  REVOCATION_UNKNOWN,
  CHAIN_INVALID,
  HOSTNAME_MISMATCH,
  ISSUER_CHANGED,
  STARTTLS_MISSING,
  TLS_POSTURE_CHANGED,
  TLS_POLICY_VIOLATED,
  MX_CHANGED,
  POLICY_MISMATCH,
  POLICY_WARNING,
  POLICY_SATISFIED,
  PIN_UNUSED,
  MTA_STS_CHANGED,
  PROBE_FAILING,
  PROBE_RECOVERED,
  CERTIFICATE_ISSUED,
  POLICY_FORECAST,
  UNEXPECTED_ISSUER,
  CT_LOG_INCONSISTENT,
  CT_LOG_BEHIND,
  HEARTBEAT,
  TEST,
] as const;

type Kinds = (typeof NOTICE_KINDS)[number];

/** Every notice type (contract). */
export type NoticeType = Kinds['type'];

/** The kind of one type, with its own facts and key parts. */
export type KindOf<T extends NoticeType> = Extract<Kinds, { type: T }>;

/** The body of each notice type. */
export type NoticeFactsMap = { [K in Kinds as K['type']]: K extends NoticeKind<string, infer F> ? F : never };

/** The parts of a type's dedupe key after the target, for a type whose key starts with its target. */
export type TargetKeyParts<T extends NoticeType> =
  Parameters<KindOf<T>['key']> extends [string, ...infer R] ? R : never;

const BY_TYPE: ReadonlyMap<string, NoticeKind> = new Map(NOTICE_KINDS.map((k) => [k.type, k as NoticeKind]));

/** All notice types, in the catalogue's order. */
export const NOTICE_TYPES: readonly NoticeType[] = NOTICE_KINDS.map((k) => k.type);

/** The one severity table (contract): a notice's severity is its type's. */
export const NOTICE_SEVERITY: Readonly<Record<NoticeType, Severity>> = Object.freeze(
  Object.fromEntries(NOTICE_KINDS.map((k) => [k.type, k.severity])) as Record<NoticeType, Severity>,
);

/** The catalogue entry of a type. */
export function noticeKind<T extends NoticeType>(type: T): NoticeKind<T, NoticeFactsMap[T]> {
  const kind = BY_TYPE.get(type);
  if (!kind) throw new TypeError(`unknown notice type ${type}`);
  return kind as NoticeKind<T, NoticeFactsMap[T]>;
}

/** Whether a string names a notice type (notices read back from a store or a file). */
export function isNoticeType(type: string): type is NoticeType {
  return BY_TYPE.has(type);
}
