/**
 * The outbox contract of the store (lambdas/store/outbox-store.ts): a dedupe key recorded once, pending
 * notices oldest first, one claimant per publish lease, sent only by the claimant, released with its error.
 */
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createTestNotice } from '../../../lambdas/core/notice';
import type { OpenTable, StoreEngineUnderTest } from '../../support/store-engines';
import { day } from '../../unit/detect-fixtures';

/** Registers the outbox contract's tests for `under` (inside its describe). */
export function outboxContract(under: StoreEngineUnderTest): void {
  let table: OpenTable;
  const n1 = createTestNotice(day(0), 'first');
  const n2 = { ...createTestNotice(day(1), 'second') };

  beforeEach(async () => {
    table = await under.open();
  });

  afterEach(async () => {
    await table.close();
  });

  it('records a dedupe key once and lists pending notices oldest first', async () => {
    // Prepare
    await table.store.recordNotices([n2], day(0));

    // Act
    const again = await table.store.recordNotices([n1, n2], day(1));
    const pending = await table.store.pendingNotices();

    // Assess
    expect(again).toEqual([n1.dedupeKey]);
    expect(pending.map((p) => p.dedupeKey)).toEqual([n2.dedupeKey, n1.dedupeKey]);
    expect(pending[0]).toMatchObject({ status: 'pending', attempts: 0, notice: n2 });
  });

  it('lets one claimant hold a notice until its lease runs out', async () => {
    // Prepare
    await table.store.recordNotices([n1], day(0));

    // Act
    const first = await table.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);
    const second = await table.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000);
    const afterLease = await table.store.claimNotice(
      n1.dedupeKey,
      'cycle-b',
      new Date(day(0).getTime() + 61_000),
      60_000,
    );

    // Assess
    expect(first).toMatchObject({ claimedBy: 'cycle-a', attempts: 1 });
    expect(second).toBeNull();
    expect(afterLease).toMatchObject({ claimedBy: 'cycle-b', attempts: 2 });
    expect(await table.store.markSent(n1.dedupeKey, 'cycle-a', day(0), 'm-1')).toBe(false);
  });

  it('gives a claimant its own live claim back when the answer to its claim was lost (SDK retry)', async () => {
    // Prepare: the first claim succeeded, but its caller never heard; the retry meets the claim
    await table.store.recordNotices([n1], day(0));
    await table.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    const retried = await table.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);
    const other = await table.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000);

    // Assess
    expect(retried).toMatchObject({ dedupeKey: n1.dedupeKey, claimedBy: 'cycle-a', attempts: 1 });
    expect(other).toBeNull();
  });

  it('marks a claimed notice sent so it is neither pending nor claimable again', async () => {
    // Prepare
    await table.store.recordNotices([n1], day(0));
    await table.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    const marked = await table.store.markSent(n1.dedupeKey, 'cycle-a', day(0), 'm-1');

    // Assess
    expect(marked).toBe(true);
    expect(await table.store.pendingNotices()).toEqual([]);
    expect(await table.store.claimNotice(n1.dedupeKey, 'cycle-b', day(9), 60_000)).toBeNull();
    expect(await table.store.recordNotices([n1], day(9))).toEqual([]);
  });

  it('keeps a released notice pending with its error for the next cycle', async () => {
    // Prepare
    await table.store.recordNotices([n1], day(0));
    await table.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    await table.store.releaseNotice(n1.dedupeKey, 'cycle-a', 'Throttled');
    const pending = await table.store.pendingNotices();

    // Assess
    expect(pending).toMatchObject([{ dedupeKey: n1.dedupeKey, lastError: 'Throttled', claimedBy: null, attempts: 1 }]);
    expect(await table.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000)).not.toBeNull();
  });

  describe('pending notices through their markers (docs/history-table.md)', () => {
    const doc = () => DynamoDBDocumentClient.from(table.client);
    const markers = async () => {
      const { Items = [] } = await doc().send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'OUTBOX#PENDING' },
        }),
      );
      return Items.map((i) => String(i.sk)).sort();
    };
    const n3 = createTestNotice(day(2), 'third');

    it('marks each notice recorded, drops the mark once it is sent, and finds the pending ones by their marks', async () => {
      // Prepare
      await table.store.recordNotices([n1, n2, n3], day(0));
      await table.store.pendingNotices(day(0)); // the first drain of a store: marks what is pending
      for (const n of [n1, n3]) {
        await table.store.claimNotice(n.dedupeKey, 'cycle', day(0), 60_000);
        await table.store.markSent(n.dedupeKey, 'cycle', day(0), 'm');
      }

      // Act
      const pending = await table.store.pendingNotices(day(0));

      // Assess
      expect(pending.map((p) => p.dedupeKey)).toEqual([n2.dedupeKey]);
      expect(await markers()).toEqual(['INDEXED', `NOTICE#${n2.dedupeKey}`]);
      expect((await table.store.listNotices()).map((p) => p.status).sort()).toEqual(['pending', 'sent', 'sent']);
    });

    it('reads the whole outbox once on a store from before the marks, and again a day after', async () => {
      // Prepare: a pending notice with no mark, as an earlier release recorded it
      await table.store.recordNotices([n1], day(0));
      await doc().send(
        new DeleteCommand({ TableName: table.tableName, Key: { pk: 'OUTBOX#PENDING', sk: `NOTICE#${n1.dedupeKey}` } }),
      );

      // Act
      const first = await table.store.pendingNotices(day(0));
      await doc().send(
        new DeleteCommand({ TableName: table.tableName, Key: { pk: 'OUTBOX#PENDING', sk: `NOTICE#${n1.dedupeKey}` } }),
      );
      const sameDay = await table.store.pendingNotices(day(0.5));
      const dayAfter = await table.store.pendingNotices(day(1.1));

      // Assess
      expect(first.map((p) => p.dedupeKey)).toEqual([n1.dedupeKey]);
      expect(sameDay).toEqual([]);
      expect(dayAfter.map((p) => p.dedupeKey)).toEqual([n1.dedupeKey]);
      expect(await markers()).toEqual(['INDEXED', `NOTICE#${n1.dedupeKey}`]);
    });

    it('drops a mark whose notice never came (a recording cut short) only once a claim lease has passed', async () => {
      // Prepare
      await table.store.pendingNotices(day(0));
      await doc().send(
        new PutCommand({
          TableName: table.tableName,
          Item: { pk: 'OUTBOX#PENDING', sk: 'NOTICE#cut', kind: 'PENDING', dedupeKey: 'cut', at: day(0).toISOString() },
        }),
      );

      // Act
      const soon = await table.store.pendingNotices(new Date(day(0).getTime() + 60_000));
      const marksSoon = await markers();
      const later = await table.store.pendingNotices(new Date(day(0).getTime() + 10 * 60_000));

      // Assess
      expect([soon, later]).toEqual([[], []]);
      expect(marksSoon).toEqual(['INDEXED', 'NOTICE#cut']);
      expect(await markers()).toEqual(['INDEXED']);
    });
  });
}
