/**
 * Publishing from the outbox, exactly once per dedupe key: a notice is claimed with a conditional write
 * (a lease), published, then marked sent. Overlapping cycles skip what another holds; a failed publish
 * gives the claim back and stays pending for the next cycle; a claim left by a killed process expires.
 */

import type { Notice } from '../core/notice';
import type { HistoryStore, NoticePublisher } from '../core/ports';

/** Test hook points inside publishing. */
export interface OutboxHooks {
  /** After a notice's claim is taken, before it is published. */
  afterClaim?(dedupeKey: string): Promise<void> | void;
}

/** What one drain did. */
export interface DrainResult {
  published: Notice[];
  failures: Array<{ dedupeKey: string; message: string }>;
  /** Claims lost between publish and mark-sent (the lease ran out): may have been published twice. */
  lostClaims: string[];
}

/** Options of {@link drainOutbox}. */
export interface DrainOptions {
  store: HistoryStore;
  publisher: NoticePublisher;
  claimant: string;
  now: Date;
  leaseMs: number;
  /** Keys already attempted by this cycle: one attempt per notice per cycle. */
  attempted: Set<string>;
  hooks?: OutboxHooks;
}

/** Publishes every pending notice not held by someone else, oldest first. */
export async function drainOutbox(options: DrainOptions): Promise<DrainResult> {
  const { store, publisher, claimant, now, leaseMs, attempted, hooks } = options;
  const result: DrainResult = { published: [], failures: [], lostClaims: [] };
  const nowIso = now.toISOString();
  for (const entry of await store.pendingNotices(now)) {
    if (attempted.has(entry.dedupeKey)) continue;
    // Held by a live claim: skip without spending a (failing) conditional write.
    if (entry.claimedUntil && entry.claimedUntil >= nowIso) continue;
    const claimed = await store.claimNotice(entry.dedupeKey, claimant, now, leaseMs);
    if (!claimed) continue;
    attempted.add(entry.dedupeKey);
    await hooks?.afterClaim?.(entry.dedupeKey);
    let messageId: string | null;
    try {
      ({ messageId } = await publisher.publish(claimed.notice));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await store.releaseNotice(entry.dedupeKey, claimant, message);
      result.failures.push({ dedupeKey: entry.dedupeKey, message });
      continue;
    }
    if (!(await store.markSent(entry.dedupeKey, claimant, now, messageId))) result.lostClaims.push(entry.dedupeKey);
    result.published.push(claimed.notice);
  }
  return result;
}
