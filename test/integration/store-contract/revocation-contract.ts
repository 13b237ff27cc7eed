/**
 * The revocation verdict cache of the store (lambdas/store/revocation-store.ts, docs/revocation.md
 * "Fetching"): one item per (URL, serial), read back until the answer's nextUpdate and not after, dropped
 * by TTL a week later — a verdict, never a CRL.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { keys, TABLE_SCHEMA } from '../../../lambdas/contract/table-schema';
import type { CachedVerdict } from '../../../lambdas/core/revocation/cache';
import type { OpenTable, StoreEngineUnderTest } from '../../support/store-engines';

const URL = 'http://c.pki.goog/wr2/oQ6nyr8F0m0.crl';
const REVOKED: CachedVerdict = {
  url: URL,
  serial: '0a1b2c',
  issuerSha256: 'ab'.repeat(32),
  verdict: {
    status: 'revoked',
    source: 'crl',
    url: URL,
    thisUpdate: '2026-01-01T00:00:00.000Z',
    nextUpdate: '2026-01-08T00:00:00.000Z',
    revokedAt: '2025-12-31T10:00:00.000Z',
    reason: 'keyCompromise',
  },
  expiresAt: '2026-01-08T00:00:00.000Z',
};
const GOOD: CachedVerdict = {
  ...REVOKED,
  serial: '0d0e',
  verdict: {
    status: 'good',
    source: 'crl',
    url: URL,
    thisUpdate: REVOKED.verdict.thisUpdate,
    nextUpdate: REVOKED.expiresAt,
  },
};

/** Registers the revocation cache contract's tests for `under` (inside its describe). */
export function revocationContract(under: StoreEngineUnderTest): void {
  let table: OpenTable;

  beforeEach(async () => {
    table = await under.open();
  });

  afterEach(async () => {
    await table.close();
  });

  it('reads a verdict back until its nextUpdate, and not after', async () => {
    // Prepare
    await table.store.putVerdicts([REVOKED, GOOD]);
    const wanted = [
      { url: URL, serial: '0a1b2c' },
      { url: URL, serial: '0d0e' },
      { url: URL, serial: 'ff' },
    ];

    // Act
    const before = await table.store.getVerdicts(wanted, new Date('2026-01-07T23:59:00Z'));
    const after = await table.store.getVerdicts(wanted, new Date('2026-01-08T00:00:01Z'));

    // Assess
    expect(before.sort((a, b) => a.serial.localeCompare(b.serial))).toEqual([REVOKED, GOOD]);
    expect(after).toEqual([]);
  });

  it('keeps the verdict under REVOCATION#<url> / SERIAL#<serial>, with a TTL a week after it stops counting', async () => {
    // Act
    await table.store.putVerdicts([REVOKED]);
    const raw = await table.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: keys.revocation(URL) }, sk: { S: keys.revocationSerial('0a1b2c') } },
      }),
    );

    // Assess
    const item = unmarshall(raw.Item ?? {});
    expect(item).toMatchObject({ kind: 'REVOCATION', url: URL, serial: '0a1b2c', verdict: REVOKED.verdict });
    expect(item[TABLE_SCHEMA.ttlAttribute]).toBe(Date.parse(REVOKED.expiresAt) / 1000 + 7 * 86_400);
    expect(JSON.stringify(item).length).toBeLessThan(1024);
  });

  it('leaves a damaged verdict out and names it, and never writes over it (a damaged store is refused, never replaced)', async () => {
    // Prepare: a verdict whose status no reader knows, planted as a user of the AWS CLI could
    const key = { pk: keys.revocation(URL), sk: keys.revocationSerial('0a1b2c') };
    const damaged = { ...key, kind: 'REVOCATION', url: URL, serial: '0a1b2c', issuerSha256: REVOKED.issuerSha256 };
    const planted = { ...damaged, verdict: { status: 'revokd', source: 'crl' }, validUntil: REVOKED.expiresAt };
    await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: marshall(planted) }));
    await table.store.putVerdicts([GOOD]);
    const wanted = [
      { url: URL, serial: '0a1b2c' },
      { url: URL, serial: '0d0e' },
    ];

    // Act
    const read = await table.store.getVerdicts(wanted, new Date('2026-01-02T00:00:00Z'));
    await table.store.putVerdicts([REVOKED]);
    const raw = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: marshall(key) }));

    // Assess
    expect(read).toEqual([GOOD]);
    expect(table.store.badItems.found.map((e) => e.message)).toEqual([
      expect.stringMatching(/SERIAL#0a1b2c: "verdict.status" is "revokd", not one of good, revoked$/),
    ]);
    expect(unmarshall(raw.Item ?? {}).verdict).toEqual(planted.verdict);
  });

  it('leaves uncached a verdict whose URL is too long for a key, and still keeps the others', async () => {
    // Prepare: a certificate may name any URL; DynamoDB takes 2048 bytes of partition key
    const long = `http://c.example/${'a'.repeat(2100)}.crl`;
    const unkeyable: CachedVerdict = { ...GOOD, url: long, verdict: { ...GOOD.verdict, url: long } };
    const wanted = [
      { url: long, serial: GOOD.serial },
      { url: URL, serial: GOOD.serial },
    ];

    // Act
    await table.store.putVerdicts([unkeyable, GOOD]);
    const read = await table.store.getVerdicts(wanted, new Date('2026-01-02T00:00:00Z'));

    // Assess
    expect(read).toEqual([GOOD]);
  });
}
