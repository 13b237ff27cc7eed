/**
 * The notice outbox on the table: one `OUTBOX / NOTICE#<dedupe key>` item per notice, recorded once,
 * claimed for publishing under a lease, marked sent by the claimant only.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { OutboxEntry, OutboxStore } from '../core/ports';
import { BadItems } from './bad-items';
import { putIfAbsent } from './conditional-writes';
import { type TableEngine, when } from './engine';
import { noticeItem, outboxFromItem } from './items';

/** How long a sent notice's outbox item is kept before TTL may drop it (when TTL is enabled). */
const SENT_RETENTION_SECONDS = 90 * 86_400;
/** The most of a publish error kept on the item. */
const ERROR_CHARS = 1000;

/** {@link OutboxStore} on a table engine. */
export function outboxStoreOn(engine: TableEngine, badItems = new BadItems()): OutboxStore {
  const noticeKey = (dedupeKey: string) => ({ pk: keys.outbox, sk: keys.notice(dedupeKey) });

  const outbox = async (pendingOnly: boolean): Promise<OutboxEntry[]> => {
    const items = await engine.query({
      partition: keys.outbox,
      sortKeyPrefix: 'NOTICE#',
      consistent: true,
      ...(pendingOnly ? { filter: when.equals('status', 'pending') } : {}),
    });
    return badItems
      .decodeEach(items, outboxFromItem)
      .sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq || a.dedupeKey.localeCompare(b.dedupeKey),
      );
  };

  /**
   * After a refused claim: when the answer to our own claim was lost and the SDK's retry met the claim
   * it had just taken, the notice is ours (same claimant, lease running) and is returned, so it is
   * published now rather than a lease later.
   */
  const ownLiveClaim = async (dedupeKey: string, claimant: string, now: Date): Promise<OutboxEntry | null> => {
    const item = await engine.get(noticeKey(dedupeKey), { consistent: true });
    if (item?.status !== 'pending' || item.claimedBy !== claimant) return null;
    return String(item.claimedUntil) >= now.toISOString() ? outboxFromItem(item) : null;
  };

  return {
    async recordNotices(notices, now) {
      const createdAt = now.toISOString();
      const recorded: string[] = [];
      // One after another: a crash leaves a prefix recorded, never a later notice without an earlier one.
      for (const [seq, notice] of notices.entries()) {
        if (await putIfAbsent(engine, noticeItem(notice, createdAt, seq))) recorded.push(notice.dedupeKey);
      }
      return recorded;
    },

    async hasNotice(dedupeKey) {
      return (await engine.get(noticeKey(dedupeKey), { consistent: true, attributes: ['pk'] })) !== null;
    },

    listNotices: () => outbox(false),
    pendingNotices: () => outbox(true),

    async claimNotice(dedupeKey, claimant, now, leaseMs) {
      const claimed = await engine.update(
        noticeKey(dedupeKey),
        {
          set: { claimedBy: claimant, claimedUntil: new Date(now.getTime() + leaseMs).toISOString() },
          add: { attempts: 1 },
        },
        {
          condition: when.all(
            when.equals('status', 'pending'),
            when.any(when.attributeMissing('claimedUntil'), when.lessThan('claimedUntil', now.toISOString())),
          ),
          returnItem: true,
        },
      );
      if (claimed.ok) return claimed.item ? outboxFromItem(claimed.item) : null;
      return ownLiveClaim(dedupeKey, claimant, now);
    },

    async markSent(dedupeKey, claimant, now, messageId) {
      const sent = await engine.update(
        noticeKey(dedupeKey),
        {
          set: {
            status: 'sent',
            sentAt: now.toISOString(),
            messageId,
            [TABLE_SCHEMA.ttlAttribute]: Math.floor(now.getTime() / 1000) + SENT_RETENTION_SECONDS,
          },
          remove: ['claimedBy', 'claimedUntil', 'lastError'],
        },
        { condition: when.equals('claimedBy', claimant) },
      );
      return sent.ok;
    },

    async releaseNotice(dedupeKey, claimant, error) {
      // Refused: the claim was lost meanwhile; the lease holder decides, nothing to give back.
      await engine.update(
        noticeKey(dedupeKey),
        { set: { lastError: error.slice(0, ERROR_CHARS) }, remove: ['claimedBy', 'claimedUntil'] },
        { condition: when.equals('claimedBy', claimant) },
      );
    },
  };
}
