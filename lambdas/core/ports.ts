/**
 * The ports: what the pure core and the watch cycle need from the outside world, stated once. The
 * adapters implement them (probe/ the Prober, store/ the HistoryStore, notify/ the NoticePublisher);
 * nothing here does I/O.
 */
import type { CtStore } from './ct/ct-store';
import type { CertRecord, TargetHistory, TargetState } from './history';
import type { MxRecord } from './mx';
import type { BaselineTargetFacts, Notice } from './notice';
import type { Observation } from './observation';
import type { Posture } from './posture/posture';
import type { ProbeOptions } from './probe-options';
import type { RevocationCache } from './revocation/cache';
import type { Target } from './targets';
import type { WatchItem, WatchList, WatchListMeta, WatchSource } from './watch-list';

// ── Prober ──────────────────────────────────────────────────────────────────────────────────────

/** The port the watch cycle probes through: anything that turns targets into observations. */
export interface Prober {
  probe(targets: readonly Target[], options: ProbeOptions): Promise<Observation[]>;
}

// ── NoticePublisher ─────────────────────────────────────────────────────────────────────────────

/**
 * The port notices leave through: SNS in the cloud, the terminal locally. The outbox decides what is
 * published and when; a publisher only delivers one notice and says whether it worked (by throwing
 * NotifyError; the notice then stays pending).
 */
export interface NoticePublisher {
  publish(notice: Notice): Promise<PublishReceipt>;
}

/** What a delivery returned. */
export interface PublishReceipt {
  /** The transport's id of the message (SNS MessageId), when it has one. */
  messageId: string | null;
}

// ── HistoryStore ────────────────────────────────────────────────────────────────────────────────

/** One notice in the outbox (the `NOTICE#<dedupe key>` item). */
export interface OutboxEntry {
  dedupeKey: string;
  status: 'pending' | 'sent';
  /** Publish attempts started (claims taken). */
  attempts: number;
  notice: Notice;
  /** When it was recorded, and its rank among the notices recorded with it (publication order). */
  createdAt: string;
  seq: number;
  sentAt: string | null;
  messageId: string | null;
  lastError: string | null;
  /** Who holds the publish claim, until when. */
  claimedBy: string | null;
  claimedUntil: string | null;
}

/** A complete posture as kept for one address, with the first cycle that saw this accepted set. */
export interface StoredPosture {
  posture: Posture;
  since: string;
}

/** The outcome of saving one target: a conflict means another cycle wrote first (re-read and retry). */
export type SaveOutcome = { ok: true; writes: number } | { ok: false; reason: 'conflict'; message: string };

/** What a cycle saves for one target: the next state and the records that changed, as detection returned them. */
export interface TargetChanges {
  state: TargetState;
  changedCerts: readonly CertRecord[];
  /** The history detection ran on, as the store returned it: the store keeps its live view in step. */
  loaded?: TargetHistory;
}

/** What happened to each target of an add or remove. */
export interface WatchEdit {
  /** Added now (or, for a removal, marked removed now). */
  changed: string[];
  /** Already in the asked state. */
  unchanged: string[];
  /** Add: removed earlier and left removed (no reactivation asked). Remove: not on the list. */
  refused: string[];
}

/** The watch list and the MX sets, as items of the same table. Writes are conditional single-item writes. */
export interface WatchListStore {
  /** The list (active and removed items), or null when it was never set up. Consistent read. */
  loadWatchList(options?: { consistent?: boolean }): Promise<WatchList | null>;
  /** Writes the items that are absent (never touching an existing one, removed or not). Returns the targets written. */
  putWatchItemsIfAbsent(items: readonly WatchItem[]): Promise<string[]>;
  /** Records how the list was set up, unless that is recorded already. False when it was. */
  putWatchListMeta(meta: WatchListMeta): Promise<boolean>;
  /** Sets the digest of the deployment's context list last merged in. */
  setContextDigest(digest: string): Promise<void>;
  /** Adds targets; a removed one becomes active again when `reactivate`, else it is refused. */
  addWatchTargets(
    targets: readonly string[],
    source: WatchSource,
    now: Date,
    options: { reactivate: boolean },
  ): Promise<WatchEdit>;
  /** Sets an entry's consumer policy (portable document); false when the target is not on the list. */
  setWatchPolicy(target: string, policy: unknown): Promise<boolean>;
  /** Marks an entry for its own DaysToExpiry metric, or unmarks it; false when the target is not on the list. */
  setWatchMetric(target: string, on: boolean): Promise<boolean>;
  /** Marks targets removed (their history stays). */
  removeWatchTargets(targets: readonly string[], now: Date): Promise<WatchEdit>;
  /** Target URLs that have history (`TARGET#` items): what a store from before the list watched. */
  listHistoryTargets(): Promise<string[]>;
  /** The stored MX set of a domain, or null. */
  loadMx(domain: string): Promise<MxRecord | null>;
  /** Stores an MX set, conditional on the revision read. False when another cycle wrote first. */
  saveMx(record: MxRecord): Promise<boolean>;
  /** Every stored MX set. */
  listMx(): Promise<MxRecord[]>;
}

/** How fast the last shard probed: what the next run sizes its shards by. */
export interface ProbeRate {
  entries: number;
  seconds: number;
  at: string;
}

/** The state of fanned-out runs: each shard's BASELINE facts until the merge step, and the probe rate. */
export interface RunStore {
  /** Stores BASELINE facts of a run (one item per target: a retried shard never loses an earlier one). */
  saveRunBaselines(runId: string, facts: readonly BaselineTargetFacts[], now: Date): Promise<void>;
  /** Every BASELINE fact stored for a run. */
  loadRunBaselines(runId: string): Promise<BaselineTargetFacts[]>;
  /**
   * Stores a shard's notices about leaves, per target, for the run's merge step to settle across every shard
   * (docs/rollouts.md, "Shared leaves"): one item per dedupe key, so a retried shard never loses one.
   */
  saveRunNotices(runId: string, notices: readonly Notice[], now: Date): Promise<void>;
  /** Every notice stored for a run's merge step. */
  loadRunNotices(runId: string): Promise<Notice[]>;
  saveProbeRate(rate: ProbeRate): Promise<void>;
  loadProbeRate(): Promise<ProbeRate | null>;
}

/** The notice outbox: notices recorded once, published under a claim, marked sent by the claimant. */
export interface OutboxStore {
  /** Records notices as pending, in order, unless their dedupe key is already in the outbox. Returns the keys recorded now. */
  recordNotices(notices: readonly Notice[], now: Date): Promise<string[]>;
  /** Whether a notice with this dedupe key is in the outbox (pending or sent): a read, no write. */
  hasNotice(dedupeKey: string): Promise<boolean>;
  /** Every notice in the outbox, pending and sent (until TTL drops sent ones), oldest first. */
  listNotices(): Promise<OutboxEntry[]>;
  /** Pending notices, oldest first (`now`: the cycle's instant, which times the store's own upkeep). */
  pendingNotices(now?: Date): Promise<OutboxEntry[]>;
  /** Takes the publish claim of a pending notice for `leaseMs`; null when it is sent or someone else holds it. */
  claimNotice(dedupeKey: string, claimant: string, now: Date, leaseMs: number): Promise<OutboxEntry | null>;
  /** Marks a claimed notice sent. False when the claim was lost in the meantime. */
  markSent(dedupeKey: string, claimant: string, now: Date, messageId: string | null): Promise<boolean>;
  /** Gives a claim back after a failed publish, keeping the error; the notice stays pending. */
  releaseNotice(dedupeKey: string, claimant: string, error: string): Promise<void>;
}

/** The history of targets: certificates, state and TLS posture per target. */
export interface TargetStore {
  /**
   * Everything stored about a target (consistent read). With `live`, possibly only what detection needs
   * while nothing new is served: the state and the live records (`view.from === 'view'`), one small read,
   * when the store's live view goes with the state; the caller reads the whole history when a certificate
   * served is not among them (docs/history-table.md "The live view").
   */
  loadTarget(target: string, options?: { live?: boolean }): Promise<TargetHistory>;
  /**
   * Writes changed records (each conditional on the revision read) and then the state (conditional on
   * the version read). Nothing is overwritten that another cycle wrote in between: that is a conflict.
   */
  saveTarget(changes: TargetChanges): Promise<SaveOutcome>;
  /** The last complete TLS posture of each address of a target (empty when never enumerated). */
  loadPostures(target: string): Promise<Record<string, StoredPosture>>;
  /** Replaces the stored postures of a target (posture cycles do not overlap: last writer wins). */
  savePostures(target: string, postures: Record<string, StoredPosture>, now: Date): Promise<void>;
  /** Every stored target with its history. */
  listHistories(): Promise<Map<string, TargetHistory>>;
  /** Every target where a certificate was served (by fingerprint). */
  findByFingerprint(sha256: string): Promise<CertRecord[]>;
  /** The distinct SHA-256 fingerprints of stored certificates that start with `prefix` (lowercase hex). */
  fingerprintsStartingWith(prefix: string): Promise<string[]>;
}

/** History and outbox storage, with the watch list and run state. Every write that can race is conditional. */
export interface HistoryStore extends TargetStore, OutboxStore, WatchListStore, RunStore, CtStore, RevocationCache {}
