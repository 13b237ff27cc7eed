/**
 * A run cut into shards, step by step as the state machine drives it (plan → shards → merge), on the
 * embedded DynamoDB engine with real SMTP servers on loopback: one BASELINE per run, every notice
 * published once across shards, a shard retried alone changes nothing, and targets added to the table
 * at run time are picked up by the next plan.
 */
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { SmtpProber } from '../../lambdas/probe/prober';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { mergeRun, planRun, runShard } from '../../lambdas/watch/fan-out';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, HOST, type Pki, probeOptionsFor, RecordingPublisher } from './cycle-harness';

describe('fanned-out run (plan, shards, merge) on dynalite and loopback servers', () => {
  let pki: Pki;
  let store: EmbeddedStore;
  let servers: SmtpTestServer[];

  beforeAll(async () => {
    pki = await createPki('fan-out');
    const cert = await pki.leaf();
    servers = await Promise.all(
      [0, 1, 2].map(() => startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST })),
    );
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  beforeEach(async () => {
    store = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await store.close();
  });

  const urls = () => servers.map((s) => `smtp://${HOST}:${s.port}`);
  const settings = () => {
    const options = probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']);
    options.resolve = servers.map((s) => ({ host: HOST, port: s.port, addresses: ['127.0.0.2'] }));
    return { probeOptions: options, watch: DEFAULT_WATCH_CONFIG };
  };
  const runAll = async (publisher: RecordingPublisher, forceShards?: number) => {
    const plan = await planRun(store.store, new Date(), { context: urls() }, forceShards);
    const deps = {
      store: store.store,
      prober: new SmtpProber(),
      publisher,
    };
    const results = [];
    for (const shard of plan.shards) {
      results.push(
        await runShard(deps, { runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount }, settings()),
      );
    }
    const merged = await mergeRun({ store: store.store, publisher }, plan);
    return { plan, results, merged, deps };
  };

  it('sizes shards from the measured probe rate, passing shard numbers only', async () => {
    // Prepare: a measured rate of 150 s per entry puts two entries in each 300 s shard
    await store.store.saveProbeRate({ entries: 1, seconds: 150, at: new Date().toISOString() });

    // Act
    const plan = await planRun(store.store, new Date(), { context: urls() });

    // Assess
    expect(plan.entries).toBe(3);
    expect(plan.shardCount).toBe(2);
    expect(plan.shards).toEqual([0, 1]);
    expect(JSON.stringify(plan)).not.toContain(HOST);
  });

  it('raises one BASELINE for the whole run and publishes it once, whatever the shard count', async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const first = await runAll(publisher, 3);
    const second = await runAll(publisher, 3);

    // Assess
    expect(first.results.flatMap((r) => r.observations.map((o) => o.target)).sort()).toEqual(urls().sort());
    expect(first.results.every((r) => r.published.length === 0)).toBe(true);
    expect(first.merged).toMatchObject({ baselineTargets: 3, published: 1 });
    expect(publisher.types()).toEqual(['BASELINE']);
    const facts = publisher.published[0].facts as { targets: Array<{ target: string }> };
    expect(facts.targets.map((t) => t.target).sort()).toEqual(urls().sort());
    expect(second.merged).toMatchObject({ baselineTargets: 0, published: 0 });
  });

  it('retries one failed shard alone without a second BASELINE or a lost target', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const plan = await planRun(store.store, new Date(), { context: urls() }, 2);
    const deps = { store: store.store, prober: new SmtpProber(), publisher };
    const order = (shard: number) => ({ runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount });

    // Act: shard 0 runs twice (its first attempt "failed" after storing), shard 1 once
    await runShard(deps, order(0), settings());
    await runShard(deps, order(0), settings());
    await runShard(deps, order(1), settings());
    const merged = await mergeRun({ store: store.store, publisher }, plan);
    const again = await mergeRun({ store: store.store, publisher }, plan);

    // Assess
    expect(merged.baselineTargets).toBe(3);
    expect(publisher.types()).toEqual(['BASELINE']);
    expect(again.published).toBe(0);
  });

  it('never re-adds a target removed at run time when the deployed list is merged again', async () => {
    // Prepare
    await planRun(store.store, new Date(), { context: urls() });
    await store.store.removeWatchTargets([urls()[0]], new Date());

    // Act: a redeploy with one more target
    const plan = await planRun(store.store, new Date(), { context: [...urls(), 'smtps://new.example.com:465'] });
    const list = await store.store.loadWatchList();

    // Assess
    expect(plan.entries).toBe(3);
    const byTarget = new Map(list?.items.map((i) => [i.target, i.status]));
    expect(byTarget.get(urls()[0])).toBe('removed');
    expect(byTarget.get('smtps://new.example.com:465')).toBe('active');
  });
});
