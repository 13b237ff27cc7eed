/**
 * The observation model: what one probe of one address with one key type saw.
 * This shape is a contract (docs/observation.md, `certwatch probe --json`): change it only with its docs and tests.
 */

import type { CertFields } from './cert-fields';
import type { ConsumerPolicyVerdict } from './policy/model';
import type { Revocation } from './revocation/model';

/** Key types a probe can ask a server for. */
export type KeyType = 'rsa' | 'ecdsa';

/** All key types, in probing order. */
export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ecdsa'];

/** How a target speaks TLS: STARTTLS after an SMTP dialogue, or TLS from the first byte. */
export type TlsMode = 'starttls' | 'implicit';

/** Stable error codes of an observation (contract). */
export type ProbeErrorCode =
  | 'DNS_FAILED'
  | 'CONNECT_REFUSED'
  | 'CONNECT_TIMEOUT'
  | 'EGRESS_BLOCKED'
  | 'SMTP_REJECTED'
  | 'SMTP_PROTOCOL'
  | 'STARTTLS_NOT_OFFERED'
  | 'STARTTLS_REFUSED'
  | 'TLS_HANDSHAKE_FAILED'
  | 'TIMEOUT'
  | 'CHAIN_UNPARSEABLE'
  | 'KEY_TYPE_UNAVAILABLE';

/** Every error code, for validation and docs. */
export const PROBE_ERROR_CODES: readonly ProbeErrorCode[] = [
  'DNS_FAILED',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'EGRESS_BLOCKED',
  'SMTP_REJECTED',
  'SMTP_PROTOCOL',
  'STARTTLS_NOT_OFFERED',
  'STARTTLS_REFUSED',
  'TLS_HANDSHAKE_FAILED',
  'TIMEOUT',
  'CHAIN_UNPARSEABLE',
  'KEY_TYPE_UNAVAILABLE',
];

/** A classified failure, kept as data. */
export interface ObservationError {
  code: ProbeErrorCode;
  message: string;
}

/**
 * One certificate as presented (contract): the field list of core/cert-fields.ts, and its revocation
 * status (docs/revocation.md) — absent when revocation checks are off.
 */
export type Cert = CertFields & { revocation?: Revocation };

/** The verdict of path validation at an explicit time. */
export interface Validation {
  trusted: boolean;
  /** Fingerprints (sha256) of the path from the leaf to the anchor, leaf first. Empty when no path. */
  path: string[];
  /** Subject of the trust anchor the path ends at, or null. */
  anchor: string | null;
  /** Fingerprint of the trust anchor, or null. */
  anchorSha256: string | null;
  /** True when a presented cross-certificate was recognised as the anchor it stands for. */
  crossSigned: boolean;
  /** The instant the verdict was made for (ISO 8601). */
  at: string;
  error?: ValidationError;
}

/** Why a chain did not validate (stable codes). */
export interface ValidationError {
  code: ValidationErrorCode;
  message: string;
}

export type ValidationErrorCode =
  | 'UNTRUSTED_ROOT'
  | 'EXPIRED_ANCHOR'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'BAD_SIGNATURE'
  | 'MISSING_INTERMEDIATE'
  | 'SELF_SIGNED_LEAF'
  | 'INVALID_CHAIN'
  /** A rule of certwatch's web-PKI profile (docs/trust-profile.md) beyond RFC 5280 §6 path processing. */
  | 'PROFILE_VIOLATION'
  /** Validation stopped at its work cap (name constraint comparisons): a hostile or absurd chain. */
  | 'WORK_LIMIT';

/** What the SMTP dialogue showed. */
export interface SmtpInfo {
  /** The greeting, all lines joined with `\n`, codes stripped; null when none was read. */
  banner: string | null;
  /** EHLO keywords as advertised (first word of each line after the greeting line). */
  ehlo: string[];
  /** True when STARTTLS was advertised. */
  starttls: boolean;
}

/** What the TLS handshake negotiated. */
export interface TlsInfo {
  /** e.g. `TLSv1.3`. */
  protocol: string | null;
  /** IANA name, e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher: string | null;
}

/** One observation: target × address × key type (contract). */
export interface Observation {
  target: string;
  host: string;
  port: number;
  mode: TlsMode;
  address: string;
  keyType: KeyType;
  ok: boolean;
  error?: ObservationError;
  smtp: SmtpInfo;
  tls: TlsInfo;
  /** Exactly as presented: same certificates, same order, leaf first. */
  chain: Cert[];
  validation: Validation | null;
  /** Whether the leaf matches the expected name (RFC 6125), null when there is no leaf. */
  hostnameMatch: boolean | null;
  /** ISO 8601 instant the probe finished. */
  observedAt: string;
  /** Milliseconds the probe took. */
  durationMs: number;
  /** The consumer policy's verdict on the presented chain (`--policy`); absent when none applies. */
  consumerPolicy?: ConsumerPolicyVerdict;
  /**
   * Handshakes of this address × key type this cycle that presented this same leaf, when the address was
   * sampled (several handshakes during a rollout: docs/rollouts.md); absent = 1. A sampled address that
   * presented two leaves gives one observation per leaf.
   */
  samples?: number;
}
