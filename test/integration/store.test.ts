import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { detectCycle, detectTarget } from '../../lambdas/core/detect';
import type { TargetHistory } from '../../lambdas/core/history';
import { createTestNotice } from '../../lambdas/core/notice';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { scanAll } from '../../lambdas/store/engine';
import { StoreError } from '../../lambdas/store/errors';
import { sdkEngine } from '../../lambdas/store/sdk-transport';
import { cert, day, INTERMEDIATE, obs, TARGET } from '../unit/detect-fixtures';

const A = '192.0.2.1';
const LEAF = cert('leaf');

function detect(history: TargetHistory, now: Date, chain = [LEAF, INTERMEDIATE]) {
  return detectTarget({ target: TARGET, history, observations: [obs(A, chain)], now, config: DEFAULT_WATCH_CONFIG });
}

describe('DynamoHistoryStore on dynalite', () => {
  let embedded: EmbeddedStore;

  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-test' });
  });

  afterEach(async () => {
    await embedded.close();
  });

  it('reads every page of a Query and a Scan, a page of one item at a time', async () => {
    // Prepare
    const engine = sdkEngine(embedded.client, 'certwatch-test');
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
    const engine = sdkEngine(embedded.client, 'no-such-table');

    // Act
    const failure = await scanAll(engine).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ code: 'TABLE_MISSING' });
  });

  it('creates the table of DESIGN.md: pk/sk, on-demand, GSI byFingerprint on gsi1pk/gsi1sk', async () => {
    // Act
    const { Table } = await embedded.client.send(new DescribeTableCommand({ TableName: 'certwatch-test' }));

    // Assess
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema?.map((k) => k.AttributeName)])).toEqual([
      ['byFingerprint', ['gsi1pk', 'gsi1sk']],
    ]);
  });

  it('saves a target and loads it back with version and revisions counted', async () => {
    // Prepare
    const detection = detect({ state: null, certs: [] }, day(0));

    // Act
    const outcome = await embedded.store.saveTarget(detection);
    const loaded = await embedded.store.loadTarget(TARGET.url);

    // Assess
    expect(outcome).toEqual({ ok: true, writes: 3 });
    expect(loaded.state).toEqual({ ...detection.state, version: 1 });
    const bySha = new Map(loaded.certs.map((c) => [c.sha256, c]));
    for (const record of detection.changedCerts) expect(bySha.get(record.sha256)).toEqual({ ...record, rev: 1 });
  });

  it('writes items with the keys of the contract', async () => {
    // Prepare
    await embedded.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    await embedded.store.recordNotices([createTestNotice(day(0))], day(0));

    // Act
    const doc = DynamoDBDocumentClient.from(embedded.client);
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: 'certwatch-test' }));

    // Assess
    const keys = Items.map((i) => [i.pk, i.sk, i.gsi1pk ?? null, i.gsi1sk ?? null]).sort();
    expect(keys).toEqual(
      [
        [`TARGET#${TARGET.url}`, `CERT#${LEAF.sha256}`, `FP#${LEAF.sha256}`, TARGET.url],
        [`TARGET#${TARGET.url}`, `CERT#${INTERMEDIATE.sha256}`, `FP#${INTERMEDIATE.sha256}`, TARGET.url],
        [`TARGET#${TARGET.url}`, 'STATE', null, null],
        ['OUTBOX', `NOTICE#TEST#${day(0).toISOString()}`, null, null],
      ].sort(),
    );
    const leaf = Items.find((i) => i.sk === `CERT#${LEAF.sha256}`);
    expect(leaf).toMatchObject({
      firstSeen: day(0).toISOString(),
      lastSeen: day(0).toISOString(),
      addresses: [A],
      keyType: 'ecdsa',
      subject: 'CN=leaf',
      status: 'active',
      chain: [LEAF.sha256, INTERMEDIATE.sha256],
      warned: [],
    });
  });

  it('refuses a state write based on a stale version and reports a conflict', async () => {
    // Prepare
    await embedded.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const read = await embedded.store.loadTarget(TARGET.url);
    const first = detect(read, day(1));
    const second = detect(read, day(1));

    // Act
    const winner = await embedded.store.saveTarget(first);
    const loser = await embedded.store.saveTarget(second);

    // Assess
    expect(winner).toEqual({ ok: true, writes: 1 });
    expect(loser).toMatchObject({ ok: false, reason: 'conflict' });
    expect((await embedded.store.loadTarget(TARGET.url)).state?.version).toBe(2);
  });

  it('refuses a certificate write based on a stale revision and leaves the state alone', async () => {
    // Prepare
    await embedded.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const read = await embedded.store.loadTarget(TARGET.url);
    const renewed = cert('renewed');
    const first = detect(read, day(1), [renewed, INTERMEDIATE]);
    await embedded.store.saveTarget(first);
    const stale = detect(read, day(1), [renewed, INTERMEDIATE]);

    // Act
    const outcome = await embedded.store.saveTarget(stale);

    // Assess
    expect(outcome).toMatchObject({ ok: false, reason: 'conflict' });
    expect((await embedded.store.loadTarget(TARGET.url)).state?.version).toBe(2);
  });

  it('keeps attributes of the state item it does not own, such as a TLS posture', async () => {
    // Prepare
    await embedded.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const doc = DynamoDBDocumentClient.from(embedded.client);
    await doc.send(
      new UpdateCommand({
        TableName: 'certwatch-test',
        Key: { pk: `TARGET#${TARGET.url}`, sk: 'STATE' },
        UpdateExpression: 'SET posture = :p',
        ExpressionAttributeValues: { ':p': { versions: ['TLSv1.3'] } },
      }),
    );

    // Act
    await embedded.store.saveTarget(detect(await embedded.store.loadTarget(TARGET.url), day(1)));

    // Assess
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: 'certwatch-test' }));
    expect(Items.find((i) => i.sk === 'STATE')).toMatchObject({ posture: { versions: ['TLSv1.3'] }, version: 2 });
  });

  it('finds every target serving a fingerprint through the byFingerprint index', async () => {
    // Prepare
    const other = { url: 'smtps://mx.test.example:465', host: 'mx.test.example', mode: 'implicit' as const };
    const observations = [obs(A, [LEAF, INTERMEDIATE]), { ...obs(A, [LEAF, INTERMEDIATE]), target: other.url }];
    const detection = detectCycle({
      targets: [TARGET, other],
      histories: new Map(),
      observations,
      now: day(0),
      config: DEFAULT_WATCH_CONFIG,
    });
    for (const t of detection.targets) await embedded.store.saveTarget(t);

    // Act
    const found = await embedded.store.findByFingerprint(LEAF.sha256.toUpperCase());
    const all = await embedded.store.listHistories();

    // Assess
    expect(found.map((c) => c.target).sort()).toEqual([TARGET.url, other.url].sort());
    expect([...all.keys()]).toEqual([other.url, TARGET.url].sort());
    expect(all.get(other.url)?.certs).toHaveLength(2);
  });
});

describe('the outbox on dynalite', () => {
  let embedded: EmbeddedStore;
  const n1 = createTestNotice(day(0), 'first');
  const n2 = { ...createTestNotice(day(1), 'second') };

  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await embedded.close();
  });

  it('records a dedupe key once and lists pending notices oldest first', async () => {
    // Prepare
    await embedded.store.recordNotices([n2], day(0));

    // Act
    const again = await embedded.store.recordNotices([n1, n2], day(1));
    const pending = await embedded.store.pendingNotices();

    // Assess
    expect(again).toEqual([n1.dedupeKey]);
    expect(pending.map((p) => p.dedupeKey)).toEqual([n2.dedupeKey, n1.dedupeKey]);
    expect(pending[0]).toMatchObject({ status: 'pending', attempts: 0, notice: n2 });
  });

  it('lets one claimant hold a notice until its lease runs out', async () => {
    // Prepare
    await embedded.store.recordNotices([n1], day(0));

    // Act
    const first = await embedded.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);
    const second = await embedded.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000);
    const afterLease = await embedded.store.claimNotice(
      n1.dedupeKey,
      'cycle-b',
      new Date(day(0).getTime() + 61_000),
      60_000,
    );

    // Assess
    expect(first).toMatchObject({ claimedBy: 'cycle-a', attempts: 1 });
    expect(second).toBeNull();
    expect(afterLease).toMatchObject({ claimedBy: 'cycle-b', attempts: 2 });
    expect(await embedded.store.markSent(n1.dedupeKey, 'cycle-a', day(0), 'm-1')).toBe(false);
  });

  it('gives a claimant its own live claim back when the answer to its claim was lost (SDK retry)', async () => {
    // Prepare: the first claim succeeded, but its caller never heard; the retry meets the claim
    await embedded.store.recordNotices([n1], day(0));
    await embedded.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    const retried = await embedded.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);
    const other = await embedded.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000);

    // Assess
    expect(retried).toMatchObject({ dedupeKey: n1.dedupeKey, claimedBy: 'cycle-a', attempts: 1 });
    expect(other).toBeNull();
  });

  it('marks a claimed notice sent so it is neither pending nor claimable again', async () => {
    // Prepare
    await embedded.store.recordNotices([n1], day(0));
    await embedded.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    const marked = await embedded.store.markSent(n1.dedupeKey, 'cycle-a', day(0), 'm-1');

    // Assess
    expect(marked).toBe(true);
    expect(await embedded.store.pendingNotices()).toEqual([]);
    expect(await embedded.store.claimNotice(n1.dedupeKey, 'cycle-b', day(9), 60_000)).toBeNull();
    expect(await embedded.store.recordNotices([n1], day(9))).toEqual([]);
  });

  it('keeps a released notice pending with its error for the next cycle', async () => {
    // Prepare
    await embedded.store.recordNotices([n1], day(0));
    await embedded.store.claimNotice(n1.dedupeKey, 'cycle-a', day(0), 60_000);

    // Act
    await embedded.store.releaseNotice(n1.dedupeKey, 'cycle-a', 'Throttled');
    const pending = await embedded.store.pendingNotices();

    // Assess
    expect(pending).toMatchObject([{ dedupeKey: n1.dedupeKey, lastError: 'Throttled', claimedBy: null, attempts: 1 }]);
    expect(await embedded.store.claimNotice(n1.dedupeKey, 'cycle-b', day(0), 60_000)).not.toBeNull();
  });
});

describe('the embedded store on disk', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-store-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the history across a restart', async () => {
    // Prepare
    const first = await startEmbeddedStore({ dir });
    await first.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    await first.close();

    // Act
    const second = await startEmbeddedStore({ dir });
    const loaded = await second.store.loadTarget(TARGET.url);
    await second.close();

    // Assess
    expect(loaded.state?.version).toBe(1);
    expect(loaded.certs).toHaveLength(2);
  });

  it('refuses a second open of the same directory with STORE_LOCKED instead of crashing', async () => {
    // Prepare
    const first = await startEmbeddedStore({ dir });

    // Act
    const second = startEmbeddedStore({ dir });

    // Assess
    await expect(second).rejects.toThrow(StoreError);
    await expect(second).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    await first.close();
    const again = await startEmbeddedStore({ dir });
    await again.close();
  });
});
