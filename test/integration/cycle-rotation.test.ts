import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { parseTarget } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import {
  at,
  countWrites,
  createPki,
  HOST,
  type Pki,
  RecordingPublisher,
  type ServerPair,
  startPair,
} from './cycle-harness';

const SECOND_HOST = 'mx2.test.example';

describe('watch cycle over real loopback servers and dynalite: rotation', () => {
  let pki: Pki;
  let embedded: EmbeddedStore;
  let pair: ServerPair;

  beforeAll(async () => {
    pki = await createPki('rotation');
  });

  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await pair?.close();
    await embedded.close();
  });

  it('publishes exactly BASELINE, NEW_CERTIFICATE, CERTIFICATE_RETIRED for a rollout across two addresses', async () => {
    // Prepare
    const oldCert = await pki.leaf();
    const newCert = await pki.leaf();
    pair = await startPair(pki, oldCert);
    const publisher = new RecordingPublisher();
    const cycle = (day: number) =>
      runWatchCycle(
        { prober: new SmtpProber(), store: embedded.store, publisher },
        { targets: [pair.target], probeOptions: pair.probeOptions, now: at(day) },
      );
    const [a, b] = pair.servers;

    // Act
    const baseline = await cycle(0);
    b.setCerts([newCert]); // old on 127.0.0.2, new on 127.0.0.3
    const rollout = await cycle(1);
    a.setCerts([newCert]);
    b.setCerts([oldCert]); // alternation during the rollout
    await cycle(2);
    b.setCerts([newCert]); // both new
    for (let day = 3; day <= 6; day++) await cycle(day);

    // Assess
    expect(publisher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);
    expect(baseline.summary).toMatchObject({ failedProbes: 0, published: 1, critical: 0 });
    const created = publisher.published[1].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(created.cert.sha256).toBe(newCert.chain.leaf.sha256);
    expect(created.rollout).toEqual({ addresses: ['127.0.0.3'], serving: 1, total: 2, share: expect.any(Number) });
    expect(created.replaces.map((r) => r.sha256)).toEqual([oldCert.chain.leaf.sha256]);
    expect(rollout.observations.map((o) => o.chain[0]?.sha256)).toEqual([
      oldCert.chain.leaf.sha256,
      newCert.chain.leaf.sha256,
    ]);
    const retired = publisher.published[2].facts as NoticeFactsMap['CERTIFICATE_RETIRED'];
    expect(retired.cert.sha256).toBe(oldCert.chain.leaf.sha256);
    expect(publisher.published[2].at).toBe(at(5).toISOString());
    const history = await embedded.store.loadTarget(pair.target.url);
    const statuses = Object.fromEntries(
      history.certs.filter((c) => c.role === 'leaf').map((c) => [c.sha256, c.status]),
    );
    expect(statuses).toEqual({ [oldCert.chain.leaf.sha256]: 'retired', [newCert.chain.leaf.sha256]: 'active' });
  });

  it('costs one DynamoDB write per target in a steady-state cycle', async () => {
    // Prepare
    const cert = await pki.leaf({ hostnames: [HOST, SECOND_HOST] });
    pair = await startPair(pki, cert);
    const second = parseTarget(`smtp://${SECOND_HOST}:${pair.port}`);
    const probeOptions = {
      ...pair.probeOptions,
      resolve: [
        ...pair.probeOptions.resolve,
        { host: SECOND_HOST, port: pair.port, addresses: ['127.0.0.2', '127.0.0.3'] },
      ],
    };
    const publisher = new RecordingPublisher();
    const writes = countWrites(embedded.store.engine);
    const cycle = (day: number) =>
      runWatchCycle(
        { prober: new SmtpProber(), store: embedded.store, publisher },
        { targets: [pair.target, second], probeOptions, now: at(day) },
      );
    await cycle(0);
    const baselineWrites = { ...writes.byCommand };
    writes.reset();

    // Act
    await cycle(1);
    const steady = { ...writes.byCommand };
    await cycle(2);

    // Assess
    // One STATE update per target; these cycles are a day apart, so each also records the outbox's daily
    // sweep (one put whatever the list's length, docs/history-table.md "Pending notices").
    expect(steady).toEqual({ UpdateItem: 2, PutItem: 1 });
    expect(writes.byCommand).toEqual({ UpdateItem: 4, PutItem: 2 });
    // Baseline: per target 2 certificate items, the live view and the state, and one BASELINE notice
    // recorded (with its pending marker), claimed, sent (its marker deleted), and the outbox's sweep record.
    expect(baselineWrites).toEqual({ PutItem: 9, UpdateItem: 4, DeleteItem: 1 });
    expect(publisher.types()).toEqual(['BASELINE']);
  });
});
