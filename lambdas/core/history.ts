/**
 * The history model change detection reads and writes: one record per certificate ever served at a
 * target, and one state per target describing the last cycle. Plain data; the store maps it to the
 * single table of docs/history-table.md (CERT# and STATE items).
 */
import type { CertFields, CertRole } from './cert-fields';
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
export type { CertRole };

/**
 * A certificate is active while some address's latest observation shows it (and that address has not gone
 * stale); retired once every address that served it has moved on or gone stale.
 */
export type CertStatus = 'active' | 'retired';

/** One certificate served at one target (the `CERT#<sha256>` item): its fields, and what the history knows of it. */
export interface CertRecord extends CertFields {
  target: string;
  role: CertRole;
  /** The key type the probe asked for when this certificate was served. */
  keyType: KeyType;
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
  /** CERTIFICATE_RETIRED notices raised so far (one per disappearance; names the next return too). */
  retirements: number;
  /**
   * The key type's evidence cycle count when this leaf was last observed, once no address shows it any more
   * (absent while it is the latest leaf somewhere): a retirement waits for a few quiet cycles after it.
   */
  lastMark?: number;
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

/**
 * Evidence: what one address × key type was last observed serving, and when. Only a completed handshake
 * presenting a leaf is an observation; a missing DNS answer, a timeout or KEY_TYPE_UNAVAILABLE leave it as is.
 */
export interface EvidenceSlot {
  address: string;
  keyType: KeyType;
  /** The leaf last observed there. */
  sha256: string;
  /** When it was last observed (any leaf). */
  at: string;
  /** The key type's {@link KeyTypeEvidence.cycles} at that observation (cycles since = staleness). */
  mark: number;
  /**
   * The longest time (hours) this address went unobserved between two observations while the key type was
   * observed elsewhere: a frontend DNS names once a day is not stale after a day. Absent = 0.
   */
  gapHours?: number;
}

/** Per key type of a target: how many cycles observed it at any address, and when last. */
export interface KeyTypeEvidence {
  cycles: number;
  lastAt: string;
  /** When the key type's baseline was taken (its first cycle with a successful observation). */
  baselineAt: string;
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
  /**
   * Active chain certificates (intermediates) not served in the last cycles: fingerprint → consecutive
   * cycles missing; one is retired silently after `staleAfterCycles`. Leaves retire from the evidence.
   */
  missing: Record<string, number>;
  /** Per address × key type, the last observation (sorted by address, then key type). */
  evidence: EvidenceSlot[];
  /** Per key type observed so far. A key type missing here has no baseline yet. */
  keyTypes: Partial<Record<KeyType, KeyTypeEvidence>>;
  /**
   * Shared-notice groups this target took part in at `lastCycleAt`: a repeated cycle of the same instant
   * rebuilds the same merged dedupe keys although this target, already saved, raises nothing again.
   */
  raised: string[];
  /**
   * Set only on a state read from an item written before the evidence model (the `missing` counters of
   * that release): detection upgrades it in place on its next cycle (see `detect/upgrade.ts`).
   */
  legacyMissing?: Record<string, number>;
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
    evidence: [],
    keyTypes: {},
    raised: [],
  };
}

/** When a certificate was last seen, merging the record with the evidence of the target's state. */
export function effectiveLastSeen(cert: CertRecord, state: TargetState | null): string {
  if (state && state.evidence.length === 0) {
    // A state of the release before evidence (or none yet): active and not missing = served last cycle.
    const missing = state.legacyMissing ?? state.missing;
    if (cert.status !== 'active' || !state.lastCycleAt || (missing[cert.sha256] ?? 0) > 0) return cert.lastSeen;
    return state.lastCycleAt > cert.lastSeen ? state.lastCycleAt : cert.lastSeen;
  }
  let last = cert.lastSeen;
  for (const slot of state?.evidence ?? []) {
    if (slot.sha256 === cert.sha256 && slot.at > last) last = slot.at;
  }
  return last;
}
