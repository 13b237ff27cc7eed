/**
 * Certificate Transparency in a whole run, with real parts only: two test logs (one per protocol) on
 * loopback, certificates issued through them by openssl, a real SMTP server serving them, the real prober
 * and the embedded store. Precertificate, then final certificate, then served: CERTIFICATE_ISSUED once,
 * POLICY_FORECAST before service (again with the digest), NEW_CERTIFICATE with the lead time (from a
 * scheduled run's shard: plan, shard, merge).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { ctLogsSource } from '../../lambdas/core/ct/logs-setting';
import type { Notice } from '../../lambdas/core/notice';
import type { PolicySet } from '../../lambdas/core/policy/model';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { parseWatchTargets } from '../../lambdas/core/watch-list';
import { ctExtension } from '../../lambdas/ct/ct-extension';
import { SmtpProber } from '../../lambdas/probe/prober';
import { WatchRun } from '../../lambdas/run/watch-run';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { type CtCa, leafKey, openCtCa } from '../support/ct-certs';
import { type CtLogServer, issueThroughLogs, startCtLogServer, TestCtLog } from '../support/ct-log';
import { createRoot, type Issued, issue } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { RecordingPublisher } from './cycle-harness';

const HOST = 'mx.ct.example';
const DAY = 86_400_000;
const T0 = Math.floor(Date.now() / DAY) * DAY;
let clock = T0;

let root: Issued;
let intermediate: Issued;
let ca: CtCa;
let logs: TestCtLog[];
let server: CtLogServer;
let smtp: SmtpTestServer;
let store: EmbeddedStore;

const pem = (der: Buffer) => new X509Certificate(der).toString();

function issueLeaf(serial: string, into: TestCtLog[]) {
  const key = leafKey();
  const issued = issueThroughLogs(
    ca,
    [intermediate.der, root.der],
    { names: [HOST], serial, notBefore: new Date(clock - DAY), notAfter: new Date(clock + 80 * DAY) },
    key,
    into,
  );
  return { ...issued, key, served: { keyPem: key.keyPem, chainPem: pem(issued.certificate) + intermediate.certPem } };
}

beforeAll(async () => {
  root = await createRoot({ name: 'CT Run Root', keyType: 'ecdsa' });
  intermediate = await issue(root, { name: 'CT Run Intermediate', isCa: true, keyType: 'ecdsa' });
  ca = openCtCa(intermediate);
  logs = [
    new TestCtLog({ name: 'argon', protocol: 'rfc6962', now: () => clock }),
    new TestCtLog({ name: 'sycamore', protocol: 'static-ct', now: () => clock }),
  ];
  for (const log of logs) log.publish();
  server = await startCtLogServer(logs);
  store = await startEmbeddedStore({ inMemory: true });
});

afterAll(async () => {
  await smtp?.close();
  await server?.close();
  await store?.close();
  ca?.close();
});

test('precertificate, final certificate, then served (in a shard): issued once, forecast, and the lead on NEW_CERTIFICATE', async () => {
  // Prepare: certificate A served and logged; a policy that pins A's key.
  const a = issueLeaf('0a01', logs);
  smtp = await startSmtpTestServer({ address: '127.0.0.2', certs: [a.served], greeting: HOST });
  const target = `smtp://${HOST}:${smtp.port}`;
  const policy: PolicySet = {
    source: 'test',
    policies: [
      {
        index: 1,
        targets: [target],
        pins: [{ text: 'a', form: 'spki', sha256: Buffer.from(a.key.spkiSha256, 'base64').toString('hex') }],
      },
    ],
  };
  const probeOptions: ProbeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: ['ecdsa'],
    timeoutMs: 5000,
    resolve: [{ host: HOST, port: smtp.port, addresses: ['127.0.0.2'] }],
    extraAnchorsDer: [new Uint8Array(root.der)],
    ehloName: 'certwatch.test',
    policy,
  };
  const publisher = new RecordingPublisher();
  const extension = ctExtension({
    source: ctLogsSource(server.listUrl),
    listKeyPem: server.listKeyPem,
    backfill: 0,
    maxEntries: 100_000,
    maxBytes: 64 * 1024 * 1024,
    budgetMs: 60_000,
    expectIssuers: [],
  });
  const run = new WatchRun(
    { prober: new SmtpProber(), store: store.store, publisher },
    {
      probeOptions,
      watch: DEFAULT_WATCH_CONFIG,
      list: { kind: 'given', entries: parseWatchTargets([target]) },
      extensions: extension ? [extension] : [],
    },
  );
  const byDay: Notice[][] = [];
  const cycle = async () => {
    const before = publisher.published.length;
    const result = await run.cycle(new Date(clock));
    expect(result.preProbe.map((p) => p.error)).toEqual([undefined]);
    byDay.push(publisher.published.slice(before));
    clock += DAY;
  };

  // Act: the RFC 6962 log publishes a head only when told (its merge delay); the static-ct one at once.
  await cycle(); // day 0: baseline; the logs are met at their current size
  const b = issueLeaf('0b02', logs);
  await cycle(); // day 1: B's precertificate is in both logs
  logs[0].addCertificate(b.certificate, [intermediate.der, root.der]);
  logs[0].publish();
  await cycle(); // day 2: B's final certificate is logged
  smtp.setCerts([b.served]);
  // day 3: B is served, seen by a scheduled run's shard (the leaf notices go to the merge step)
  const now = new Date(clock);
  const plan = await run.plan(now, { invocationMs: 60_000 });
  const published = publisher.published.length;
  for (const shard of plan.shards) {
    await run.shard({ runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount });
  }
  await run.merge({ runId: plan.runId, now: plan.now });
  byDay.push(publisher.published.slice(published));
  clock += DAY;

  // Assess
  const types = byDay.map((notices) => notices.map((n) => n.type).sort());
  expect(types[0]).toEqual(['BASELINE']);
  expect(types[1]).toEqual(['CERTIFICATE_ISSUED', 'POLICY_FORECAST']);
  expect(types[2]).toEqual(['POLICY_FORECAST']);
  expect(types[3]).toEqual(expect.arrayContaining(['NEW_CERTIFICATE', 'POLICY_MISMATCH']));
  expect(types[3]).not.toContain('CERTIFICATE_ISSUED');

  const issued = byDay[1].find((n) => n.type === 'CERTIFICATE_ISSUED') as Notice<'CERTIFICATE_ISSUED'>;
  // The static-ct log included the precertificate at once; the RFC 6962 log only with its next head.
  expect(issued.facts.logs.map((l) => [l.log, l.form])).toEqual([['sycamore', 'precertificate']]);
  expect(issued.facts).toMatchObject({ precertificate: true, sha256: null, spkiSha256: b.key.spkiSha256 });
  const spkiHex = Buffer.from(b.key.spkiSha256, 'base64').toString('hex');
  expect(issued.text).toContain(`sha256/${b.key.spkiSha256}`);
  expect(issued.text).toContain(`3 1 1 ${spkiHex}`);

  const [before, withDigest] = [byDay[1], byDay[2]].map(
    (d) => d.find((n) => n.type === 'POLICY_FORECAST') as Notice<'POLICY_FORECAST'>,
  );
  expect(before.facts.failures[0]).toMatchObject({ policy: 1, kind: 'pins' });
  expect(before.facts.failures[0].remedy[0]).toBe(`pin: sha256/${b.key.spkiSha256}`);
  const digest = createHash('sha256').update(b.certificate).digest('hex');
  expect(withDigest.facts.sha256).toBe(digest);

  const served = byDay[3].find((n) => n.type === 'NEW_CERTIFICATE') as Notice<'NEW_CERTIFICATE'>;
  expect(served.facts.cert.sha256).toBe(digest);
  expect(served.facts.loggedAt).toBe(issued.facts.loggedAt);
  expect(served.facts.leadHours).toBe(48);
  expect(served.text).toMatch(/Logged in Certificate Transparency 2 days before first service/);
  const [record] = (await store.store.loadIssued()).filter((r) => r.sha256 === digest);
  expect(record.servedAt).toBe(new Date(clock - DAY).toISOString());
});
