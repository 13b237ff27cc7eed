/**
 * The store engine's contract (lambdas/store/engine.ts): what the history, outbox, watch-list and run
 * logic relies on from any engine.
 */
import { type Item, scanAll, type TableEngine, when } from '../../../lambdas/store/engine';
import { StoreError } from '../../../lambdas/store/errors';
import type { OpenTable, StoreEngineUnderTest } from '../../support/store-engines';

/** Registers the engine contract's tests for `under` (inside its describe). */
export function engineContract(under: StoreEngineUnderTest): void {
  let table: OpenTable;
  let engine: TableEngine;

  beforeEach(async () => {
    table = await under.open();
    engine = table.store.engine;
  });

  afterEach(async () => {
    await table.close();
  });

  it('puts an item only where none is when asked so, and reports the refusal as an outcome', async () => {
    // Act
    const first = await engine.put({ pk: 'P', sk: 'a', n: 1 }, { condition: when.itemAbsent() });
    const second = await engine.put({ pk: 'P', sk: 'a', n: 2 }, { condition: when.itemAbsent() });

    // Assess
    expect(first).toEqual({ ok: true, item: null });
    expect(second).toEqual({ ok: false });
    expect(await engine.get({ pk: 'P', sk: 'a' }, { consistent: true })).toEqual({ pk: 'P', sk: 'a', n: 1 });
  });

  it('updates on an equal attribute only, sets, adds to a missing number and removes in one write', async () => {
    // Prepare
    await engine.put({ pk: 'P', sk: 'u', status: 'pending', gone: 'x', list: [1, 2], nested: { a: null } });

    // Act
    const stale = await engine.update(
      { pk: 'P', sk: 'u' },
      { set: { status: 'sent' } },
      { condition: when.equals('status', 'sent') },
    );
    const applied = await engine.update(
      { pk: 'P', sk: 'u' },
      { set: { status: 'claimed', by: 'me', skipped: undefined }, add: { attempts: 1 }, remove: ['gone'] },
      { condition: when.all(when.equals('status', 'pending'), when.attributeMissing('by')), returnItem: true },
    );

    // Assess
    expect(stale).toEqual({ ok: false });
    expect(applied).toEqual({
      ok: true,
      item: { pk: 'P', sk: 'u', status: 'claimed', by: 'me', attempts: 1, list: [1, 2], nested: { a: null } },
    });
  });

  it('compares with lessThan and any: a lease that ran out can be taken, a running one cannot', async () => {
    // Prepare
    await engine.put({ pk: 'P', sk: 'lease', until: '2026-01-01T00:05:00.000Z' });
    const expired = (now: string) => when.any(when.attributeMissing('until'), when.lessThan('until', now));

    // Act
    const early = await engine.update(
      { pk: 'P', sk: 'lease' },
      { set: { by: 'b' } },
      { condition: expired('2026-01-01T00:01:00.000Z') },
    );
    const late = await engine.update(
      { pk: 'P', sk: 'lease' },
      { set: { by: 'b' } },
      { condition: expired('2026-01-01T00:06:00.000Z') },
    );

    // Assess
    expect([early.ok, late.ok]).toEqual([false, true]);
  });

  it('deletes under a condition and creates an item an unconditional update names', async () => {
    // Prepare
    await engine.put({ pk: 'P', sk: 'd', rev: 2 });

    // Act
    const refused = await engine.delete({ pk: 'P', sk: 'd' }, { condition: when.equals('rev', 1) });
    const deleted = await engine.delete({ pk: 'P', sk: 'd' }, { condition: when.itemPresent() });
    const upserted = await engine.update({ pk: 'P', sk: 'new' }, { set: { digest: 'abc' } }, { returnItem: true });

    // Assess
    expect([refused.ok, deleted.ok]).toEqual([false, true]);
    expect(await engine.get({ pk: 'P', sk: 'd' })).toBeNull();
    expect(upserted).toEqual({ ok: true, item: { pk: 'P', sk: 'new', digest: 'abc' } });
  });

  it('queries one partition in sort-key order by prefix, with a filter and a projection, over pages', async () => {
    // Prepare
    for (const sk of ['N#3', 'N#1', 'N#2', 'OTHER']) await engine.put({ pk: 'Q', sk, even: sk === 'N#2' });
    await engine.put({ pk: 'R', sk: 'N#9' });

    // Act
    const prefixed = await engine.query({ partition: 'Q', sortKeyPrefix: 'N#', pageSize: 1, consistent: true });
    const filtered = await engine.query({ partition: 'Q', filter: when.equals('even', true), attributes: ['sk'] });

    // Assess
    expect(prefixed.map((i) => i.sk)).toEqual(['N#1', 'N#2', 'N#3']);
    expect(filtered).toEqual([{ sk: 'N#2' }]);
  });

  it('queries and scans the byFingerprint index', async () => {
    // Prepare
    await engine.put({ pk: 'TARGET#a', sk: 'CERT#ab', gsi1pk: 'FP#ab', gsi1sk: 'a', sha256: 'ab' });
    await engine.put({ pk: 'TARGET#b', sk: 'CERT#ab', gsi1pk: 'FP#ab', gsi1sk: 'b', sha256: 'ab' });
    await engine.put({ pk: 'TARGET#b', sk: 'CERT#cd', gsi1pk: 'FP#cd', gsi1sk: 'b', sha256: 'cd' });

    // Act
    const byFingerprint = await engine.query({ index: 'byFingerprint', partition: 'FP#ab' });
    const scanned = await scanAll(engine, { index: 'byFingerprint', filter: when.beginsWith('gsi1pk', 'FP#c') });

    // Assess
    expect(byFingerprint.map((i) => i.pk)).toEqual(['TARGET#a', 'TARGET#b']);
    expect(scanned.map((i) => i.sha256)).toEqual(['cd']);
  });

  it('writes and reads batches larger than one request holds', async () => {
    // Prepare
    const items: Item[] = Array.from({ length: 130 }, (_, i) => ({ pk: 'B', sk: `k${String(i).padStart(3, '0')}`, i }));

    // Act
    await engine.batchWrite({ put: items });
    const read = await engine.batchGet([
      ...items.map(({ pk, sk }) => ({ pk: String(pk), sk: String(sk) })),
      { pk: 'B', sk: 'none' },
    ]);
    await engine.batchWrite({ delete: items.slice(0, 30).map(({ pk, sk }) => ({ pk: String(pk), sk: String(sk) })) });

    // Assess
    expect(read.map((i) => i.i).sort((a, b) => Number(a) - Number(b))).toEqual(items.map((i) => i.i));
    expect(await engine.query({ partition: 'B' })).toHaveLength(100);
  });

  it('reports the capacity it consumed, per operation, refused writes apart', async () => {
    // Prepare
    const before = engine.consumption();

    // Act
    await engine.put({ pk: 'C', sk: 'a', blob: 'x'.repeat(1500) });
    await engine.put({ pk: 'C', sk: 'a' }, { condition: when.itemAbsent() });
    await engine.get({ pk: 'C', sk: 'a' }, { consistent: true });
    const after = engine.consumption();

    // Assess
    expect(before).toMatchObject({ requests: 0, readUnits: 0, writeUnits: 0, refusedWrites: 0 });
    expect(after.byOperation.PutItem).toEqual({ requests: 2, readUnits: 0, writeUnits: 2, refusedWrites: 1 });
    expect(after.byOperation.GetItem).toEqual({ requests: 1, readUnits: 1, writeUnits: 0, refusedWrites: 0 });
    expect(after).toMatchObject({ requests: 3, readUnits: 1, writeUnits: 2, refusedWrites: 1 });
  });

  it('reads every page of a Query and a Scan, a page of one item at a time', async () => {
    // Prepare
    for (const sk of ['a', 'b', 'c']) await engine.put({ pk: 'PAGES', sk });

    // Act
    const queried = await engine.query({ partition: 'PAGES', pageSize: 1 });
    const scanned = await scanAll(engine, { pageSize: 1 });

    // Assess
    expect(queried.map((item) => item.sk)).toEqual(['a', 'b', 'c']);
    expect(scanned.map((item) => item.sk).sort()).toEqual(['a', 'b', 'c']);
    expect(engine.consumption().byOperation.Query.requests).toBeGreaterThanOrEqual(3);
  });

  it('turns a missing table into StoreError TABLE_MISSING while paging', async () => {
    // Prepare
    const engine = table.engineOn('no-such-table');

    // Act
    const failure = await scanAll(engine).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: 'TABLE_MISSING' });
  });
}
