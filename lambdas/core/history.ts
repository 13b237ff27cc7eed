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
   * For a leaf: the key type's cycle count and watched clock when it entered the target's mix (first seen,
   * or served again after a retirement). The sampling test counts its repeated looks from the latest entry
   * among the active leaves; a leaf that entered within the window retires on duration only. Absent on
   * records of earlier releases (read as entered at the baseline).
   */
  since?: { mark: number; clock: number };
  /**
   * Of the release with one leaf per address: the key type's cycle count when the leaf was last observed.
   * Read only by the upgrade of such a history; never written any more.
   */
  lastMark?: number;
  /** For a leaf judged by a consumer policy: the latest verdict (absent when none applied). */
  policy?: LeafPolicyRecord;
  /** What revocation notices remember (absent until a verdict mattered; docs/revocation.md "Notices"). */
  revocation?: RevocationRecord;
  /** Optimistic-concurrency revision of the stored item; 0 = not stored yet. */
  rev: number;
}

/**
 * What the history keeps of a certificate's revocation at one target: only what the notices need, written
 * when it changes (a steady cycle writes nothing here).
 */
export interface RevocationRecord {
  /** When CERTIFICATE_REVOKED was first raised here (ISO 8601). */
  revokedNoticedAt?: string;
  /** The UTC day (YYYY-MM-DD) of the last CERTIFICATE_REVOKED here, first or reminder. */
  revokedNoticedDay?: string;
  /** A leaf: the first cycle of the current streak of `unknown` verdicts (ISO 8601). */
  unknownSince?: string;
  /** REVOCATION_UNKNOWN was raised for that streak. */
  unknownNoticed?: boolean;
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
 * What one leaf was seen doing at one address × key type over the recent window (see {@link AddressEvidence}).
 * Counts decay with wall time (half-life: a quarter of the `mixWindowHours` setting: the world changes
 * while the watcher pauses too), so they describe the recent mix, not the whole history.
 */
export interface LeafMix {
  sha256: string;
  /** When it was last seen there. */
  at: string;
  /** The key type's watched clock ({@link KeyTypeEvidence.clock}) then. */
  h: number;
  /** Cycles that saw it there (decayed). */
  n: number;
  /**
   * Cycles that saw it there, decayed four times faster: the share over the last hours, which catches a
   * share falling during the window (the old leaf's at the end of a rollout).
   */
  f: number;
  /** Handshakes that presented it there (decayed). */
  s: number;
  /** Cycles that observed the address since, without it (misses). */
  m: number;
  /**
   * The longest run of misses there that ended in a sighting, recently (decayed like the counts): a leaf
   * seen in bursts (a frontend our source address sticks to for a while) has long gaps between sightings,
   * and the sampling test waits at least twice this long.
   */
  g: number;
  /**
   * Its conservative per-cycle share there at its last sighting: the lower confidence bound of `n` over the
   * address's cycles, or of `f` over the address's fast count when lower, both divided by `k` (see
   * `detect/bounds.ts`). A retirement from sampling evidence tests the misses against it.
   */
  q: number;
  /** Runs of cycles that saw it there, each after a miss (decayed like `n`): bursts, when far fewer than `n`. */
  r: number;
  /**
   * Burstiness at its last sighting: its mean run of sightings over the run expected of independent cycles
   * at its share (1 = independent; a frontend our source sticks to across cycles gives more). Evidence counts
   * `k` cycles as one look.
   */
  k: number;
}

/**
 * Evidence per address × key type: what each leaf was seen doing there over the recent window. One address
 * may be a pool of frontends (a load-balanced address): mid-rollout it serves old and new, so the evidence is
 * a mix, never "the leaf of the address". Only a completed handshake presenting a leaf is an observation; a
 * missing DNS answer, a timeout or KEY_TYPE_UNAVAILABLE leave it as is.
 */
export interface AddressEvidence {
  address: string;
  keyType: KeyType;
  /** When the address was last observed (any leaf). */
  at: string;
  /** The key type's {@link KeyTypeEvidence.cycles} then (cycles since = staleness). */
  c: number;
  /** The key type's watched clock then. */
  h: number;
  /**
   * The address's gap estimate: the watched hours it went unobserved between two observations while the key
   * type was observed elsewhere, the longest recently (each later observation shrinks it: see `evidence.ts`).
   * A frontend DNS names once a day is not stale after a day.
   */
  gap: number;
  /** Cycles that observed it (decayed). */
  n: number;
  /** Cycles that observed it, decayed four times faster (see {@link LeafMix.f}). */
  f: number;
  /** Handshakes that observed it (decayed). */
  s: number;
  /** The leaves seen there within the window, newest sighting first. */
  leaves: LeafMix[];
}

/**
 * The evidence slot of the release before the serving mix (one leaf per address): read from such items and
 * upgraded in place by detection (`detect/upgrade.ts`).
 */
export interface LegacyEvidenceSlot {
  address: string;
  keyType: KeyType;
  sha256: string;
  at: string;
  mark: number;
  gapHours?: number;
}

/** Per key type of a target: how many cycles observed it at any address, and when last. */
export interface KeyTypeEvidence {
  cycles: number;
  lastAt: string;
  /** When the key type's baseline was taken (its first cycle with a successful observation). */
  baselineAt: string;
  /**
   * Watched hours: the time this key type was observed at the target, each interval between two cycles
   * counted at most three times the target's cadence (a pause of the watcher, a removal and re-add, or an
   * outage is neither evidence nor gap). Absent = 0 (a state of the release before it).
   */
  clock?: number;
  /**
   * Hysteresis after a CERTIFICATE_RETURNED: the factor (1, 2 or 4) by which windows lengthen and the
   * sampling test tightens; it halves every week of watched time without a return.
   */
  hold?: { factor: number; since: number };
  /**
   * Cycles and watched hours in which the target answered but no address offered this key type
   * (KEY_TYPE_UNAVAILABLE), since `since`; KEY_TYPE_WITHDRAWN once they pass the stale window.
   */
  gone?: { since: string; cycles: number; hours: number; noticed?: boolean };
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
  /** Per address × key type, the serving mix (sorted by address, then key type). */
  evidence: AddressEvidence[];
  /** Per key type observed so far. A key type missing here has no baseline yet. */
  keyTypes: Partial<Record<KeyType, KeyTypeEvidence>>;
  /**
   * Shared-notice groups this target took part in at `lastCycleAt`: a repeated cycle of the same instant
   * rebuilds the same merged dedupe keys although this target, already saved, raises nothing again.
   */
  raised: string[];
  /**
   * The target's cadence: a moving estimate of the minutes between two cycles (what a pause is measured
   * against). Absent until the second cycle.
   */
  cadence?: number;
  /**
   * Set only on a state read from an item of the release with one leaf per address (before the serving
   * mix): detection upgrades it in place on its next cycle (see `detect/upgrade.ts`).
   */
  legacyEvidence?: LegacyEvidenceSlot[];
  /**
   * Set only on a state read from an item written before the evidence model (the `missing` counters of
   * that release): detection upgrades it in place on its next cycle (see `detect/upgrade.ts`).
   */
  legacyMissing?: Record<string, number>;
}

/**
 * Everything stored about one target, or — read through the store's live view — the state with the
 * records detection reads when nothing new is served (`detect/live-records.ts`; docs/history-table.md
 * "The live view").
 */
export interface TargetHistory {
  state: TargetState | null;
  certs: CertRecord[];
  /**
   * How the store read it, for its own next write: the live view's revision (0 = none), whether that view
   * matches this history (`current`: nothing to rewrite), and whether `certs` are the view's records or
   * the whole history. Absent on histories not read from a store.
   */
  view?: { rev: number; current: boolean; from: 'view' | 'full' };
  /**
   * Read through the live view only: what detection derives from records the view leaves out, as the
   * whole history gave it when the view was written (`detect/live-records.ts`, {@link HistorySummary}).
   */
  summary?: HistorySummary;
}

/** A target's observed rotation cadence for one key type (`detect/expiry.ts` observedCadence). */
export interface ObservedCadence {
  /** Replacements seen. */
  rotations: number;
  /** The longest time from a leaf's notBefore to its successor's first sighting. */
  replacedAfterMs: number;
}

/**
 * What detection reads from a target's whole history beyond its live records: per key type the observed
 * cadence (absent: too few rotations to count). It changes only with a new leaf, which a cycle reads the
 * whole history for.
 */
export interface HistorySummary {
  cadence: Partial<Record<KeyType, ObservedCadence>>;
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
  if (state && state.evidence.length === 0 && !state.legacyEvidence) {
    // A state of the release before evidence (or none yet): active and not missing = served last cycle.
    const missing = state.legacyMissing ?? state.missing;
    if (cert.status !== 'active' || !state.lastCycleAt || (missing[cert.sha256] ?? 0) > 0) return cert.lastSeen;
    return state.lastCycleAt > cert.lastSeen ? state.lastCycleAt : cert.lastSeen;
  }
  let last = cert.lastSeen;
  for (const slot of state?.legacyEvidence ?? []) {
    if (slot.sha256 === cert.sha256 && slot.at > last) last = slot.at;
  }
  for (const address of state?.evidence ?? []) {
    for (const leaf of address.leaves) if (leaf.sha256 === cert.sha256 && leaf.at > last) last = leaf.at;
  }
  return last;
}
