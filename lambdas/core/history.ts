/**
 * The history model change detection reads and writes: one record per certificate ever served at a
 * target, and one state per target describing the last cycle. Plain data; the store maps it to the
 * single-table design of DESIGN.md (CERT# and STATE items).
 */
import type { KeyType, ProbeErrorCode } from './observation';
import type { MtaStsPolicy } from './policy/model';

/** The consumer policy's latest verdict on a leaf (the history keeps it per leaf). */
export interface LeafPolicyRecord {
  /** No rule refused the leaf on any address in the cycle it was last judged. */
  ok: boolean;
  /** Failing rules, `policy N kind: reason`. */
  failed: string[];
  /** Pins and TLSA records (as written) that matched it. */
  matched: string[];
  /** When this verdict was first reached. */
  at: string;
  /** MTA-STS policies applied to it, by domain (a change is noticed). */
  mtaSts?: Record<string, MtaStsPolicy>;
}

/** Where a certificate sat in the presented chain. */
export type CertRole = 'leaf' | 'chain';

/** A certificate is active while served (or missing for fewer than `retireAfterCycles` cycles). */
export type CertStatus = 'active' | 'retired';

/** One certificate served at one target (the `CERT#<sha256>` item). */
export interface CertRecord {
  target: string;
  sha256: string;
  sha1: string;
  role: CertRole;
  /** The key type the probe asked for when this certificate was served. */
  keyType: KeyType;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sans: string[];
  spkiSha256: string;
  keyAlgorithm: string;
  signatureAlgorithm: string;
  selfSigned: boolean;
  /** For a leaf: the presented chain's fingerprints when first seen, leaf first. Empty for chain certificates. */
  chain: string[];
  /** For a leaf: the trust anchor its chain validated to when first seen (subject and fingerprint), if any. */
  anchor: string | null;
  anchorSha256: string | null;
  firstSeen: string;
  /**
   * Last time this record was written while the certificate was served. While the certificate is active
   * and not missing, the live value is the target's `lastCycleAt` (see {@link effectiveLastSeen}): refreshing
   * every record each cycle would break the one-write-per-target budget.
   */
  lastSeen: string;
  /** Every address it was seen on, sorted. */
  addresses: string[];
  status: CertStatus;
  retiredAt: string | null;
  /** Expiry thresholds (days) already warned about. */
  warned: number[];
  /** Condition notices already raised for this certificate, e.g. `EXPIRED`, `CHAIN_INVALID:UNTRUSTED_ROOT`. */
  noticed: string[];
  /** For a leaf judged by a consumer policy: the latest verdict (absent when none applied). */
  policy?: LeafPolicyRecord;
  /** Optimistic-concurrency revision of the stored item; 0 = not stored yet. */
  rev: number;
}

/** What one address × key type showed in the last cycle. */
export interface SlotRecord {
  address: string;
  keyType: KeyType;
  /** Leaf fingerprint, or null when the probe failed. */
  sha256: string | null;
  error: ProbeErrorCode | null;
}

/** The per-target state of the last cycle (the `STATE` item). */
export interface TargetState {
  target: string;
  /** Optimistic-concurrency version of the stored item; 0 = nothing stored yet (empty history). */
  version: number;
  lastCycleAt: string | null;
  /** Cycles recorded so far. */
  cycles: number;
  slots: SlotRecord[];
  /** Consecutive cycles in which no probe of the target answered. */
  consecutiveFailures: number;
  /** PROBE_FAILING was raised and PROBE_RECOVERED not yet. */
  failingNotified: boolean;
  /** STARTTLS was offered at least once. */
  starttlsOffered: boolean;
  /** STARTTLS_MISSING was raised and STARTTLS has not been offered everywhere since. */
  starttlsMissing: boolean;
  /** Active certificates not seen in the last cycles: fingerprint → consecutive cycles missing. */
  missing: Record<string, number>;
}

/** Everything stored about one target. */
export interface TargetHistory {
  state: TargetState | null;
  certs: CertRecord[];
}

/** The state of a target with no history. */
export function emptyTargetState(target: string): TargetState {
  return {
    target,
    version: 0,
    lastCycleAt: null,
    cycles: 0,
    slots: [],
    consecutiveFailures: 0,
    failingNotified: false,
    starttlsOffered: false,
    starttlsMissing: false,
    missing: {},
  };
}

/** When a certificate was last seen, merging the record with the target's last cycle. */
export function effectiveLastSeen(cert: CertRecord, state: TargetState | null): string {
  if (cert.status !== 'active' || !state?.lastCycleAt) return cert.lastSeen;
  if ((state.missing[cert.sha256] ?? 0) > 0) return cert.lastSeen;
  return state.lastCycleAt.localeCompare(cert.lastSeen) > 0 ? state.lastCycleAt : cert.lastSeen;
}
