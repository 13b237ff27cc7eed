/**
 * The watch-list and run contract of the store (lambdas/store/watch-list-store.ts, run-store.ts): entries
 * written only where absent, removal kept against a plain re-add, consumer policies on existing entries
 * only, MX sets over the revision read, a run's BASELINE facts one item per target.
 */
import type { MxRecord } from '../../../lambdas/core/mx';
import { type BaselineTargetFacts, createTestNotice } from '../../../lambdas/core/notice';
import type { WatchItem } from '../../../lambdas/core/watch-list';
import type { OpenTable, StoreEngineUnderTest } from '../../support/store-engines';
import { day } from '../../unit/detect-fixtures';

const at = day(0).toISOString();
const entry = (target: string): WatchItem => ({
  target,
  status: 'active',
  addedAt: at,
  removedAt: null,
  source: 'cli',
});
const A = 'smtp://a.example:25';
const B = 'smtp://b.example:25';
const C = 'mx:c.example';

/** Registers the watch-list and run contract's tests for `under` (inside its describe). */
export function watchListContract(under: StoreEngineUnderTest): void {
  let table: OpenTable;

  beforeEach(async () => {
    table = await under.open();
  });

  afterEach(async () => {
    await table.close();
  });

  it('sets the list up once: entries written only where absent, how it was set up recorded once', async () => {
    // Prepare
    const before = await table.store.loadWatchList();

    // Act
    const first = await table.store.putWatchItemsIfAbsent([entry(B), entry(A)]);
    const second = await table.store.putWatchItemsIfAbsent([{ ...entry(B), source: 'adopted' }, entry(C)]);
    const meta = await table.store.putWatchListMeta({ initializedAt: at, initializedWith: 'cli' });
    const metaAgain = await table.store.putWatchListMeta({
      initializedAt: day(1).toISOString(),
      initializedWith: 'default',
    });
    await table.store.setContextDigest('d1');

    // Assess
    expect(before).toBeNull();
    expect([first.sort(), second, meta, metaAgain]).toEqual([[A, B], [C], true, false]);
    const list = await table.store.loadWatchList();
    expect(list?.meta).toEqual({ initializedAt: at, initializedWith: 'cli', contextDigest: 'd1' });
    expect(list?.items.map((i) => [i.target, i.source])).toEqual([
      [C, 'cli'],
      [A, 'cli'],
      [B, 'cli'],
    ]);
  });

  it('keeps a removed entry removed against a plain add, and adds it again when asked', async () => {
    // Prepare
    await table.store.addWatchTargets([A, B], 'cli', day(0), { reactivate: false });
    await table.store.putWatchListMeta({ initializedAt: at, initializedWith: 'cli' });

    // Act
    const removed = await table.store.removeWatchTargets([A, C], day(1));
    const removedAgain = await table.store.removeWatchTargets([A], day(2));
    const plainAdd = await table.store.addWatchTargets([A, B], 'context', day(3), { reactivate: false });
    const reactivated = await table.store.addWatchTargets([A], 'cli', day(4), { reactivate: true });

    // Assess
    expect(removed).toEqual({ changed: [A], unchanged: [], refused: [C] });
    expect(removedAgain).toEqual({ changed: [], unchanged: [A], refused: [] });
    expect(plainAdd).toEqual({ changed: [], unchanged: [B], refused: [A] });
    expect(reactivated).toEqual({ changed: [A], unchanged: [], refused: [] });
    const items = (await table.store.loadWatchList())?.items ?? [];
    expect(items.find((i) => i.target === A)).toEqual({ ...entry(A), addedAt: day(4).toISOString() });
  });

  it('keeps a consumer policy on an entry that exists, and refuses one for an entry that does not', async () => {
    // Prepare
    await table.store.putWatchItemsIfAbsent([entry(A)]);
    await table.store.putWatchListMeta({ initializedAt: at, initializedWith: 'cli' });
    const policy = { require: { pins: ['abc'] }, note: null };

    // Act
    const set = await table.store.setWatchPolicy(A, policy);
    const missing = await table.store.setWatchPolicy(B, policy);

    // Assess
    expect([set, missing]).toEqual([true, false]);
    expect((await table.store.loadWatchList())?.items).toEqual([{ ...entry(A), policy }]);
  });

  it('marks an entry that exists for a metric of its own and unmarks it, and refuses one that does not exist', async () => {
    // Prepare
    await table.store.putWatchItemsIfAbsent([entry(A)]);
    await table.store.putWatchListMeta({ initializedAt: at, initializedWith: 'cli' });

    // Act
    const marked = await table.store.setWatchMetric(A, true);
    const missing = await table.store.setWatchMetric(B, true);
    const afterMark = (await table.store.loadWatchList())?.items;
    const unmarked = await table.store.setWatchMetric(A, false);

    // Assess
    expect([marked, missing, unmarked]).toEqual([true, false, true]);
    expect(afterMark).toEqual([{ ...entry(A), metric: true }]);
    expect((await table.store.loadWatchList())?.items).toEqual([entry(A)]);
  });

  it('stores an MX set over the revision read and refuses one written over a stale revision', async () => {
    // Prepare
    const record: MxRecord = {
      domain: 'c.example',
      hosts: [{ host: 'mx1.c.example', preference: 10 }],
      gone: {},
      checkedAt: at,
      changedAt: at,
      rev: 0,
    };

    // Act
    const created = await table.store.saveMx(record);
    const stale = await table.store.saveMx({ ...record, hosts: [] });
    const loaded = await table.store.loadMx('c.example');
    const next = await table.store.saveMx({ ...(loaded as MxRecord), gone: { 'mx0.c.example': at } });
    await table.store.saveMx({ ...record, domain: 'a.example' });

    // Assess
    expect([created, stale, next]).toEqual([true, false, true]);
    expect(loaded).toEqual({ ...record, rev: 1 });
    expect((await table.store.listMx()).map((m) => [m.domain, m.rev])).toEqual([
      ['a.example', 1],
      ['c.example', 2],
    ]);
    expect(await table.store.loadMx('none.example')).toBeNull();
  });

  it('lists the targets that have history, once each', async () => {
    // Prepare
    const engine = table.store.engine;
    await engine.put({ pk: `TARGET#${B}`, sk: 'STATE' });
    await engine.put({ pk: `TARGET#${B}`, sk: 'CERT#00' });
    await engine.put({ pk: `TARGET#${A}`, sk: 'POSTURE' });
    await table.store.putWatchItemsIfAbsent([entry(C)]);

    // Act
    const targets = await table.store.listHistoryTargets();

    // Assess
    expect(targets).toEqual([A, B]);
  });

  it("keeps one BASELINE item per target of a run, over more items than one batch holds, and the run's rate", async () => {
    // Prepare
    const facts = (target: string, host = 'h'): BaselineTargetFacts => ({
      target,
      host,
      addresses: ['192.0.2.1'],
      keyTypes: ['ecdsa'],
      leaves: [],
      failures: [],
    });
    const targets = Array.from({ length: 30 }, (_, i) => `smtp://t${i}.example:25`);

    // Act
    await table.store.saveRunBaselines('run-1', [...targets.map((t) => facts(t)), facts(targets[0], 'again')], day(0));
    await table.store.saveRunBaselines('run-2', [facts(A)], day(0));
    const rateBefore = await table.store.loadProbeRate();
    await table.store.saveProbeRate({ entries: 30, seconds: 12.5, at });

    // Assess
    const loaded = await table.store.loadRunBaselines('run-1');
    expect(loaded.map((f) => f.target).sort()).toEqual([...targets].sort());
    expect(loaded.find((f) => f.target === targets[0])?.host).toBe('again');
    expect(rateBefore).toBeNull();
    expect(await table.store.loadProbeRate()).toEqual({ entries: 30, seconds: 12.5, at });
  });

  it("keeps one item per dedupe key of a run's notices about leaves, until its merge step reads them", async () => {
    // Prepare: notices of one shard, saved twice (a retried shard), and of another run.
    const notices = Array.from({ length: 30 }, (_, i) => ({ ...createTestNotice(day(0)), dedupeKey: `TEST#${i}` }));

    // Act
    await table.store.saveRunNotices('run-1', notices, day(0));
    await table.store.saveRunNotices('run-1', [{ ...notices[0], text: 'again' }], day(0));
    await table.store.saveRunNotices('run-2', [notices[1]], day(0));

    // Assess
    const loaded = await table.store.loadRunNotices('run-1');
    expect(loaded.map((n) => n.dedupeKey).sort()).toEqual(notices.map((n) => n.dedupeKey).sort());
    expect(loaded.find((n) => n.dedupeKey === 'TEST#0')?.text).toBe('again');
    expect(await table.store.loadRunNotices('run-3')).toEqual([]);
  });
}
