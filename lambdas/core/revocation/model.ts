/**
 * The revocation model: what each chain entry of an observation says about its certificate's
 * revocation status (docs/revocation.md). The `Revocation` shape is part of the observation contract:
 * change it only with its docs and tests.
 */

/** A certificate's status: `none` when it names no source (no CRL distribution point, no OCSP URL). */
export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'none';

/** Where a verdict came from: a fetched CRL, a fetched OCSP response, or the one the server stapled. */
export type RevocationSource = 'crl' | 'ocsp' | 'stapled';

/** The sources a run fetches (`--revocation crl,ocsp`); a stapled response counts whenever any is on. */
export type RevocationMethod = 'crl' | 'ocsp';

/** Every method, in the order the setting spells them. */
export const REVOCATION_METHODS: readonly RevocationMethod[] = ['crl', 'ocsp'];

/** What a run checks (ProbeOptions.revocation); absent = off. Plain data. */
export interface RevocationOptions {
  /** The sources fetched; empty = only a stapled response counts. */
  methods: readonly RevocationMethod[];
  /** Most octets of one CRL. */
  maxCrlBytes: number;
}

/** The revocation options of a setting's value (`off` = none). */
export function revocationOptions(
  methods: readonly RevocationMethod[] | 'off',
  maxCrlBytes: number,
): RevocationOptions | undefined {
  return methods === 'off' || methods.length === 0 ? undefined : { methods, maxCrlBytes };
}

/** The default CRL byte cap: 64 MiB (the largest public CRLs are tens of megabytes). */
export const DEFAULT_REVOCATION_MAX_BYTES = 64 * 1024 * 1024;

/** Reason names of RFC 5280 §5.3.1 (CRLReason), by code; 7 is unused. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  null,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** A revocation reason by RFC 5280's name. */
export type RevocationReason = Exclude<(typeof REVOCATION_REASONS)[number], null>;

/** The name of a CRLReason code, or null for a code RFC 5280 does not define. */
export function reasonName(code: number): RevocationReason | null {
  return REVOCATION_REASONS[code] ?? null;
}

/** Why an answer did not count (stable words). */
export type RevocationErrorCode =
  /** The network: DNS, connect, HTTP status, time or byte limit. */
  | 'FETCH_FAILED'
  /** The answer's bytes are not a CRL / OCSP response. */
  | 'MALFORMED'
  /** Signed by a key other than the issuer's (or its delegated responder's), or an unsupported algorithm. */
  | 'BAD_SIGNATURE'
  /** The signer may not sign this: issuer without cRLSign, responder not certified by the issuer for OCSP signing. */
  | 'UNAUTHORIZED_SIGNER'
  /** thisUpdate in the future or nextUpdate past. */
  | 'NOT_CURRENT'
  /** The CRL does not cover this certificate (RFC 5280 §6.3.3), or the OCSP response is for another one. */
  | 'OUT_OF_SCOPE'
  /** Indirect or delta CRLs, critical extensions certwatch does not process, reason-partitioned CRLs. */
  | 'UNSUPPORTED'
  /** The responder answered `unknown`, or refused (tryLater, unauthorized, ...). */
  | 'RESPONDER_UNKNOWN'
  /** No issuer certificate to check against (chain incomplete). */
  | 'NO_ISSUER'
  /** The certificate names sources, none of which certwatch can fetch (LDAP). */
  | 'NO_USABLE_SOURCE'
  /** Not fetched: the certificate is on no path to a trust anchor, so its URLs are the presenter's choice. */
  | 'NOT_VALIDATED';

/** Why a source's answer did not count. */
export interface RevocationError {
  code: RevocationErrorCode;
  message: string;
}

/** The revocation verdict of one chain entry (contract: observation `chain[].revocation`). */
export interface Revocation {
  status: RevocationStatus;
  /** The source of the verdict; null for `none` and for `unknown` with no source that answered. */
  source: RevocationSource | null;
  url: string | null;
  /** ISO 8601 instants of the answer that decided. */
  thisUpdate: string | null;
  nextUpdate: string | null;
  /** When revoked: the revocation time (ISO 8601) and RFC 5280's reason name. */
  revokedAt?: string;
  reason?: RevocationReason;
  /** When unknown: why no source gave a trusted answer. */
  error?: RevocationError;
}

/** One source's verdict on one certificate. */
export interface SourceVerdict extends Revocation {
  status: 'good' | 'revoked' | 'unknown';
  source: RevocationSource;
}

/** A verdict of `unknown` from one source. */
export function unknownVerdict(
  source: RevocationSource,
  url: string | null,
  code: RevocationErrorCode,
  message: string,
  times: { thisUpdate?: string | null; nextUpdate?: string | null } = {},
): SourceVerdict {
  return {
    status: 'unknown',
    source,
    url,
    thisUpdate: times.thisUpdate ?? null,
    nextUpdate: times.nextUpdate ?? null,
    error: { code, message },
  };
}

/**
 * How far a clock may disagree with the answer's: thisUpdate up to 5 minutes ahead of now, nextUpdate up
 * to 5 minutes behind, still count (OpenSSL's OCSP_check_validity leeway, `openssl ocsp -validity_period`).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** `unknown` unless thisUpdate ≤ now ≤ nextUpdate (within the skew); null when current. */
export function currency(thisUpdate: number, nextUpdate: number | null, now: Date): string | null {
  const at = now.getTime();
  if (thisUpdate > at + CLOCK_SKEW_MS) {
    return `thisUpdate ${new Date(thisUpdate).toISOString()} is after now (${now.toISOString()})`;
  }
  if (nextUpdate !== null && nextUpdate < at - CLOCK_SKEW_MS) {
    return `nextUpdate ${new Date(nextUpdate).toISOString()} has passed (now ${now.toISOString()})`;
  }
  return null;
}
