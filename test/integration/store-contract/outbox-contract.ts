/**
 * The outbox contract of the store (lambdas/store/outbox-store.ts): a dedupe key recorded once, pending
 * notices oldest first, one claimant per publish lease, sent only by the claimant, released with its error.
 */
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
}
