/**
 * The CT items of the history table (docs/ct.md "Table items") on the embedded engine: log states and
 * issued certificates written over the revision read, the log list cache, and TTL only on certificates
 * never served.
 */
import { keys, TABLE_SCHEMA } from '../../lambdas/contract/table-schema';
import type { IssuedCert } from '../../lambdas/core/ct/issued';
import type { CtLogState } from '../../lambdas/core/ct/log-state';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { sdkEngine } from '../../lambdas/store/sdk-transport';

let embedded: EmbeddedStore;

beforeEach(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-ct' });
});

afterEach(async () => {
  await embedded.close();
});

const LOG: CtLogState = {
  logId: 'bG9nIGlk',
  name: 'log',
  url: 'http://127.0.0.1:1/log/',
  protocol: 'rfc6962',
  position: 10,
  range: { size: 10, nodes: ['AA==', 'AQ=='] },
  head: { size: 12, timestamp: 1, root: 'Ag==' },
  firstMetAt: '2026-01-01T00:00:00.000Z',
  caughtUpAt: '2026-01-01T00:00:00.000Z',
  lastAttemptAt: '2026-01-01T00:00:00.000Z',
  lastError: null,
  inconsistent: null,
  incidents: 0,
  behind: null,
  behindIncidents: 0,
  rev: 0,
};

const ISSUED: IssuedCert = {
  linkKey: 'ab'.repeat(32),
  hosts: ['smtp.example.com'],
  dnsNames: ['smtp.example.com'],
  subject: 'CN=smtp.example.com',
  issuer: 'C=US, O=Test CA, CN=Test Intermediate',
  operator: 'Test CA',
  root: 'CN=Test Root',
  chain: [],
  serial: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-04-01T00:00:00.000Z',
  spkiSha256: 'AA==',
  spkiSha256Hex: '00',
  keyAlgorithm: 'ECDSA P-256',
  sha256: null,
  logs: [{ logId: 'bG9nIGlk', log: 'log', index: 3, timestamp: '2026-01-01T00:00:00.000Z', form: 'precertificate' }],
  loggedAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:01:00.000Z',
  servedAt: null,
  servedTargets: [],
  noticed: ['CERTIFICATE_ISSUED'],
  rev: 0,
};

test('a log state is written over the revision read; a stale write is refused', async () => {
  // Prepare
  const { store } = embedded;

  // Act
  const first = await store.saveCtLogState(LOG);
  const stale = await store.saveCtLogState({ ...LOG, position: 99 });
  const [read] = await store.loadCtLogStates();
  const next = await store.saveCtLogState({ ...read, position: 12 });

  // Assess
  expect([first, stale, next]).toEqual([true, false, true]);
  expect(read).toEqual({ ...LOG, rev: 1 });
  expect((await store.loadCtLogStates())[0]).toMatchObject({ position: 12, rev: 2 });
});

test('an issued certificate expires by TTL only while it was never served', async () => {
  // Prepare
  const { store } = embedded;
  const engine = sdkEngine(embedded.client, embedded.tableName);
  const key = { pk: keys.ctIssued, sk: keys.ctIssuedCert(ISSUED.linkKey) };

  // Act
  await store.saveIssued(ISSUED);
  const unserved = await engine.get(key, { consistent: true });
  const [read] = await store.loadIssued();
  await store.saveIssued({ ...read, servedAt: '2026-01-05T00:00:00.000Z', servedTargets: ['smtp://smtp.example.com'] });
  const served = await engine.get(key, { consistent: true });

  // Assess
  expect(read).toEqual({ ...ISSUED, rev: 1 });
  expect(unserved?.[TABLE_SCHEMA.ttlAttribute]).toBe(Date.parse('2026-05-01T00:00:00Z') / 1000);
  expect(served?.[TABLE_SCHEMA.ttlAttribute]).toBeUndefined();
  expect(await store.saveIssued(ISSUED)).toBe(false);
});

test('the log list cache is kept and replaced', async () => {
  // Prepare
  const { store } = embedded;
  const cache = { url: 'https://x/log_list.json', json: '{}', signature: null, fetchedAt: '2026-01-01T00:00:00.000Z' };

  // Act
  const before = await store.loadCtListCache();
  await store.saveCtListCache(cache);
  await store.saveCtListCache({ ...cache, signature: 'c2ln' });

  // Assess
  expect(before).toBeNull();
  expect(await store.loadCtListCache()).toEqual({ ...cache, signature: 'c2ln' });
});
