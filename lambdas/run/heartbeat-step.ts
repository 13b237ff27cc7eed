/**
 * The heartbeat step of a scheduled run: when weekly heartbeats are on and this week's is not in the
 * outbox yet, build it from the stored histories, record it and publish it. One consistent read per
 * run otherwise; the outbox's dedupe key (the ISO week) makes it once per week whatever overlaps.
 */

import { CLAIM_LEASE_MS } from '../core/budgets';
import type { Notice } from '../core/notice';
import type { HistoryStore, NoticePublisher } from '../core/ports';
import type { Target } from '../core/targets';
import { buildHeartbeat, type HeartbeatSchedule, heartbeatKey } from './heartbeat';
import { drainOutbox } from './outbox';

/** Sends this week's heartbeat if it is due; returns it when this run recorded it. */
export async function sendHeartbeatIfDue(input: {
  schedule: HeartbeatSchedule;
  store: HistoryStore;
  publisher: NoticePublisher;
  targets: readonly Target[];
  now: Date;
  claimant: string;
}): Promise<Notice | null> {
  const { store, now } = input;
  if (input.schedule === 'off' || (await store.hasNotice(heartbeatKey(now)))) return null;
  const notice = buildHeartbeat({ now, targets: input.targets, histories: await store.listHistories() });
  const recorded = await store.recordNotices([notice], now);
  await drainOutbox({
    store,
    publisher: input.publisher,
    claimant: input.claimant,
    now,
    leaseMs: CLAIM_LEASE_MS,
    attempted: new Set(),
  });
  return recorded.includes(notice.dedupeKey) ? notice : null;
}
