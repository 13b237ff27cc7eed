/**
 * The target-history contract of the store (lambdas/store/target-store.ts): CERT# and STATE items with
 * the contract's keys, revision and version conflicts, attributes left alone, the byFingerprint index.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { detectCycle, detectTarget } from '../../../lambdas/core/detect';
import type { TargetHistory } from '../../../lambdas/core/history';
import { createTestNotice } from '../../../lambdas/core/notice';
import { DEFAULT_WATCH_CONFIG } from '../../../lambdas/core/watch-config';
import type { OpenTable, StoreEngineUnderTest } from '../../support/store-engines';
import { cert, day, INTERMEDIATE, obs, TARGET } from '../../unit/detect-fixtures';

const A = '192.0.2.1';
const LEAF = cert('leaf');

function detect(history: TargetHistory, now: Date, chain = [LEAF, INTERMEDIATE]) {
  return detectTarget({ target: TARGET, history, observations: [obs(A, chain)], now, config: DEFAULT_WATCH_CONFIG });
}

/** Registers the target-history contract's tests for `under` (inside its describe). */
export function targetContract(under: StoreEngineUnderTest): void {
  let table: OpenTable;

  beforeEach(async () => {
    table = await under.open();
  });

  afterEach(async () => {
    await table.close();
  });

  it('creates the table of the contract: pk/sk, on-demand, GSI byFingerprint on gsi1pk/gsi1sk', async () => {
    // Act
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));

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
    const outcome = await table.store.saveTarget(detection);
    const loaded = await table.store.loadTarget(TARGET.url);

    // Assess
    expect(outcome).toEqual({ ok: true, writes: 3 });
    expect(loaded.state).toEqual({ ...detection.state, version: 1 });
    const bySha = new Map(loaded.certs.map((c) => [c.sha256, c]));
    for (const record of detection.changedCerts) expect(bySha.get(record.sha256)).toEqual({ ...record, rev: 1 });
  });

  it('writes items with the keys of the contract', async () => {
    // Prepare
    await table.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    await table.store.recordNotices([createTestNotice(day(0))], day(0));

    // Act
    const doc = DynamoDBDocumentClient.from(table.client);
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: table.tableName }));

    // Assess
    const keys = Items.map((i) => [i.pk, i.sk, i.gsi1pk ?? null, i.gsi1sk ?? null]).sort();
    expect(keys).toEqual(
      [
        [`TARGET#${TARGET.url}`, `CERT#${LEAF.sha256}`, `FP#${LEAF.sha256}`, TARGET.url],
        [`TARGET#${TARGET.url}`, `CERT#${INTERMEDIATE.sha256}`, `FP#${INTERMEDIATE.sha256}`, TARGET.url],
        [`TARGET#${TARGET.url}`, 'STATE', null, null],
        ['OUTBOX', `NOTICE#TEST#${day(0).toISOString()}`, null, null],
        ['OUTBOX#PENDING', `NOTICE#TEST#${day(0).toISOString()}`, null, null],
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
    await table.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const read = await table.store.loadTarget(TARGET.url);
    const first = detect(read, day(1));
    const second = detect(read, day(1));

    // Act
    const winner = await table.store.saveTarget(first);
    const loser = await table.store.saveTarget(second);

    // Assess
    expect(winner).toEqual({ ok: true, writes: 1 });
    expect(loser).toMatchObject({ ok: false, reason: 'conflict' });
    expect((await table.store.loadTarget(TARGET.url)).state?.version).toBe(2);
  });

  it('refuses a certificate write based on a stale revision and leaves the state alone', async () => {
    // Prepare
    await table.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const read = await table.store.loadTarget(TARGET.url);
    const renewed = cert('renewed');
    const first = detect(read, day(1), [renewed, INTERMEDIATE]);
    await table.store.saveTarget(first);
    const stale = detect(read, day(1), [renewed, INTERMEDIATE]);

    // Act
    const outcome = await table.store.saveTarget(stale);

    // Assess
    expect(outcome).toMatchObject({ ok: false, reason: 'conflict' });
    expect((await table.store.loadTarget(TARGET.url)).state?.version).toBe(2);
  });

  it('keeps attributes of the state item it does not own, such as a TLS posture', async () => {
    // Prepare
    await table.store.saveTarget(detect({ state: null, certs: [] }, day(0)));
    const doc = DynamoDBDocumentClient.from(table.client);
    await doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: `TARGET#${TARGET.url}`, sk: 'STATE' },
        UpdateExpression: 'SET posture = :p',
        ExpressionAttributeValues: { ':p': { versions: ['TLSv1.3'] } },
      }),
    );

    // Act
    await table.store.saveTarget(detect(await table.store.loadTarget(TARGET.url), day(1)));

    // Assess
    const { Items = [] } = await doc.send(new ScanCommand({ TableName: table.tableName }));
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
    for (const t of detection.targets) await table.store.saveTarget(t);

    // Act
    const found = await table.store.findByFingerprint(LEAF.sha256.toUpperCase());
    const all = await table.store.listHistories();

    // Assess
    expect(found.map((c) => c.target).sort()).toEqual([TARGET.url, other.url].sort());
    expect([...all.keys()]).toEqual([other.url, TARGET.url].sort());
    expect(all.get(other.url)?.certs).toHaveLength(2);
  });

  describe('the live view (docs/history-table.md)', () => {
    const doc = () => DynamoDBDocumentClient.from(table.client);
    const item = async (sk: string) => {
      const { Items = [] } = await doc().send(new ScanCommand({ TableName: table.tableName }));
      return Items.find((i) => i.pk === `TARGET#${TARGET.url}` && i.sk === sk);
    };
    /** One cycle as runWatchCycle saves it: detection on `read`, saved with what was read. */
    const save = async (read: TargetHistory, now: Date, chain = [LEAF, INTERMEDIATE]) =>
      table.store.saveTarget({ ...detect(read, now, chain), loaded: read });

    it('writes the view with the first save and reads the state and the view alone while they go together', async () => {
      // Prepare
      const first = await table.store.loadTarget(TARGET.url, { live: true });

      // Act
      const saved = await save(first, day(0));
      const live = await table.store.loadTarget(TARGET.url, { live: true });
      const whole = await table.store.loadTarget(TARGET.url);

      // Assess
      expect(first.view).toEqual({ rev: 0, current: false, from: 'full' });
      expect(saved).toEqual({ ok: true, writes: 4 });
      expect(live.view).toEqual({ rev: 1, current: true, from: 'view' });
      expect(whole.view).toEqual({ rev: 1, current: true, from: 'full' });
      expect(live.state).toEqual(whole.state);
      const bySha = (h: TargetHistory) => [...h.certs].sort((a, b) => a.sha256.localeCompare(b.sha256));
      expect(bySha(live)).toEqual(bySha(whole));
      expect(await item('STATE')).toMatchObject({ liveRev: 1, version: 1 });
      expect(await item('STATE#LIVE')).toMatchObject({
        kind: 'LIVE',
        target: TARGET.url,
        rev: 1,
        certs: expect.any(String),
      });
    });

    it('leaves the view alone when no record changes, and writes it again when one does', async () => {
      // Prepare
      await save(await table.store.loadTarget(TARGET.url, { live: true }), day(0));

      // Act
      const steady = await save(await table.store.loadTarget(TARGET.url, { live: true }), day(1));
      const afterSteady = await item('STATE#LIVE');
      const renewed = cert('renewed');
      const rotated = await save(await table.store.loadTarget(TARGET.url), day(2), [renewed, INTERMEDIATE]);
      const live = await table.store.loadTarget(TARGET.url, { live: true });

      // Assess
      expect(steady).toEqual({ ok: true, writes: 1 });
      expect(afterSteady?.rev).toBe(1);
      expect(rotated).toMatchObject({ ok: true });
      expect(live.view).toEqual({ rev: 2, current: true, from: 'view' });
      expect(live.certs.map((c) => c.sha256)).toContain(renewed.sha256);
      expect(await item('STATE')).toMatchObject({ liveRev: 2, version: 3 });
    });

    it('reads the whole history when the state was not written with the view (a save cut short), and mends the view', async () => {
      // Prepare: a save cut after its view and certificates, before its state.
      await save(await table.store.loadTarget(TARGET.url, { live: true }), day(0));
      await doc().send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk: `TARGET#${TARGET.url}`, sk: 'STATE#LIVE' },
          UpdateExpression: 'SET #r = :r',
          ExpressionAttributeNames: { '#r': 'rev' },
          ExpressionAttributeValues: { ':r': 7 },
        }),
      );

      // Act
      const read = await table.store.loadTarget(TARGET.url, { live: true });
      const mended = await save(read, day(1));
      const again = await table.store.loadTarget(TARGET.url, { live: true });

      // Assess
      expect(read.view).toEqual({ rev: 7, current: false, from: 'full' });
      expect(mended).toEqual({ ok: true, writes: 2 });
      expect(again.view).toEqual({ rev: 8, current: true, from: 'view' });
    });

    it('reads the whole history past a view that does not read, and writes it again', async () => {
      // Prepare
      await save(await table.store.loadTarget(TARGET.url, { live: true }), day(0));
      await doc().send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk: `TARGET#${TARGET.url}`, sk: 'STATE#LIVE' },
          UpdateExpression: 'SET certs = :c',
          ExpressionAttributeValues: { ':c': 'not brotli' },
        }),
      );

      // Act
      const read = await table.store.loadTarget(TARGET.url, { live: true });
      await save(read, day(1));

      // Assess
      expect(read.view).toEqual({ rev: 1, current: false, from: 'full' });
      expect(read.certs).toHaveLength(2);
      expect((await table.store.loadTarget(TARGET.url, { live: true })).view).toMatchObject({ from: 'view', rev: 2 });
    });

    it('reads the whole history past a view whose summary does not read, and writes it again', async () => {
      // Prepare
      await save(await table.store.loadTarget(TARGET.url, { live: true }), day(0));
      await doc().send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk: `TARGET#${TARGET.url}`, sk: 'STATE#LIVE' },
          UpdateExpression: 'REMOVE summary',
        }),
      );

      // Act
      const read = await table.store.loadTarget(TARGET.url, { live: true });
      await save(read, day(1));
      const again = await table.store.loadTarget(TARGET.url, { live: true });

      // Assess
      expect(read.view).toEqual({ rev: 1, current: false, from: 'full' });
      expect(again.view).toMatchObject({ from: 'view', rev: 2 });
      expect(again.summary).toEqual({ cadence: {} });
    });

    it('refuses a view written over one another cycle wrote meanwhile, as a conflict', async () => {
      // Prepare
      await save(await table.store.loadTarget(TARGET.url, { live: true }), day(0));
      const read = await table.store.loadTarget(TARGET.url);
      const renewed = cert('renewed');
      await save(read, day(1), [renewed, INTERMEDIATE]);

      // Act
      const stale = await save(read, day(1), [renewed, INTERMEDIATE]);

      // Assess
      expect(stale).toMatchObject({ ok: false, reason: 'conflict' });
      expect((await item('STATE'))?.liveRev).toBe((await item('STATE#LIVE'))?.rev);
    });
  });
}
