/**
 * The notice outbox on the table: one `OUTBOX / NOTICE#<dedupe key>` item per notice, recorded once,
 * claimed for publishing under a lease, marked sent by the claimant only.
 *
 * Sent notices stay 90 days, so reading the whole outbox to find the pending ones costs more every
 * cycle as the list grows. Pending notices are therefore marked in a partition of their own
 * (`OUTBOX#PENDING / NOTICE#<dedupe key>`, put before the notice, deleted once it is sent): a drain reads
 * the markers and then only the notices they name (docs/history-table.md). A marker whose notice is sent
 * is dropped; one whose notice is missing (a recording cut between the two) is dropped once it is older
 * than a claim lease. Once a day, and the first time on a store from before the markers, a drain reads
 * the whole outbox instead and marks what is pending (the `INDEXED` item keeps when): nothing pending is
 * ever left unmarked for longer.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import { CLAIM_LEASE_MS } from '../core/budgets';
import type { OutboxEntry, OutboxStore } from '../core/ports';
import { BadItems } from './bad-items';
import { putIfAbsent } from './conditional-writes';
import { type Item, type TableEngine, when } from './engine';
import { noticeItem, outboxFromItem } from './items';

/** How long a sent notice's outbox item is kept before TTL may drop it (when TTL is enabled). */
const SENT_RETENTION_SECONDS = 90 * 86_400;
/** The most of a publish error kept on the item. */
const ERROR_CHARS = 1000;
/** How often a drain reads the whole outbox to mark what is pending (see above). */
const SWEEP_EVERY_MS = 86_400_000;

/** {@link OutboxStore} on a table engine. */
export function outboxStoreOn(engine: TableEngine, badItems = new BadItems()): OutboxStore {
  const noticeKey = (dedupeKey: string) => ({ pk: keys.outbox, sk: keys.notice(dedupeKey) });
  const markerKey = (dedupeKey: string) => ({ pk: keys.outboxPending, sk: keys.notice(dedupeKey) });
  const mark = (dedupeKey: string, at: string) =>
    engine.put({ ...markerKey(dedupeKey), kind: 'PENDING', dedupeKey, at });

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

  /** Pending notices, oldest first, through their markers (or the whole outbox when a sweep is due). */
  const pending = async (now = new Date()): Promise<OutboxEntry[]> => {
    const markers = await engine.query({ partition: keys.outboxPending, consistent: true });
    const indexed = markers.find((m) => m.sk === keys.outboxIndexed);
    const wall = now.getTime();
    const swept = Date.parse(String(indexed?.sweptAt));
    // Due a day after the last sweep; a clock set back (swept "in the future") sweeps too.
    if (!indexed || !(wall - swept < SWEEP_EVERY_MS && wall >= swept)) {
      const entries = await outbox(true);
      for (const entry of entries) await mark(entry.dedupeKey, now.toISOString());
      await engine.put({
        pk: keys.outboxPending,
        sk: keys.outboxIndexed,
        kind: 'OUTBOX_INDEXED',
        sweptAt: now.toISOString(),
      });
      return entries;
    }
    const named = markers.filter((m) => String(m.sk).startsWith('NOTICE#'));
    if (named.length === 0) return [];
    const items = await engine.batchGet(
      named.map((m) => noticeKey(String(m.dedupeKey))),
      { consistent: true },
    );
    const found = new Map(items.map((item) => [String(item.dedupeKey), item] as const));
    for (const m of named) {
      const item: Item | undefined = found.get(String(m.dedupeKey));
      const cutShort = !item && wall - Date.parse(String(m.at)) > CLAIM_LEASE_MS;
      if (item?.status === 'sent' || cutShort) await engine.delete(markerKey(String(m.dedupeKey)));
    }
    return badItems
      .decodeEach(
        items.filter((item) => item.status === 'pending'),
        outboxFromItem,
      )
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
      // One after another: a crash leaves a prefix recorded, never a later notice without an earlier one;
      // each marker before its notice, so no pending notice is ever without one.
      for (const [seq, notice] of notices.entries()) {
        await mark(notice.dedupeKey, createdAt);
        if (await putIfAbsent(engine, noticeItem(notice, createdAt, seq))) recorded.push(notice.dedupeKey);
      }
      return recorded;
    },

    async hasNotice(dedupeKey) {
      return (await engine.get(noticeKey(dedupeKey), { consistent: true, attributes: ['pk'] })) !== null;
    },

    listNotices: () => outbox(false),
    pendingNotices: pending,

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
      if (sent.ok) await engine.delete(markerKey(dedupeKey));
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
