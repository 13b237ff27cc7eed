/**
 * A run cut into shards, step by step as the state machine drives it (plan → shards → merge), on the
 * embedded DynamoDB engine with real SMTP servers on loopback: one BASELINE per run, every notice
 * published once across shards, a shard retried alone changes nothing, and targets added to the table
 * at run time are picked up by the next plan.
 */
import { parsePolicy } from '../../lambdas/core/posture/policy';
import { shardOf } from '../../lambdas/core/run-budget';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { SmtpProber } from '../../lambdas/probe/prober';
import type { ShardOrder } from '../../lambdas/run/fan-out';
import { WatchRun } from '../../lambdas/run/watch-run';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
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
  /** The run as the handler assembles it: the deployment's list (`context`) merged into the table. */
  const watchRun = (publisher: RecordingPublisher, context: string[] = urls()) =>
    new WatchRun(
      { store: store.store, prober: new SmtpProber(), publisher },
      { ...settings(), list: { kind: 'context', targets: context } },
    );
  const planOf = (run: WatchRun, forceShards?: number) => run.plan(new Date(), { invocationMs: 300_000, forceShards });
  const orderOf = (plan: { runId: string; now: string; shardCount: number }, shard: number): ShardOrder => ({
    runId: plan.runId,
    now: plan.now,
    shard,
    shardCount: plan.shardCount,
  });
  const runAll = async (publisher: RecordingPublisher, forceShards?: number) => {
    const run = watchRun(publisher);
    const plan = await planOf(run, forceShards);
    const results = [];
    for (const shard of plan.shards) results.push(await run.shard(orderOf(plan, shard)));
    const merged = await run.merge(plan);
    return { plan, results, merged };
  };

  it('sizes shards from the measured probe rate, passing shard numbers only', async () => {
    // Prepare: a measured rate of 120 s per entry puts two entries in each shard of a 300 s invocation (270 s of probing)
    await store.store.saveProbeRate({ entries: 1, seconds: 120, at: new Date().toISOString() });

    // Act
    const plan = await planOf(watchRun(new RecordingPublisher()));

    // Assess
    expect(plan.entries).toBe(3);
    expect(plan.shardCount).toBe(2);
    expect([...plan.shards].sort()).toEqual([0, 1]);
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
    const run = watchRun(publisher);
    const plan = await planOf(run, 2);

    // Act: shard 0 runs twice (its first attempt "failed" after storing), shard 1 once
    await run.shard(orderOf(plan, 0));
    await run.shard(orderOf(plan, 0));
    await run.shard(orderOf(plan, 1));
    const merged = await run.merge(plan);
    const again = await run.merge(plan);

    // Assess
    expect(merged.baselineTargets).toBe(3);
    expect(publisher.types()).toEqual(['BASELINE']);
    expect(again.published).toBe(0);
  });

  it('never re-adds a target removed at run time when the deployed list is merged again', async () => {
    // Prepare
    await planOf(watchRun(new RecordingPublisher()));
    await store.store.removeWatchTargets([urls()[0]], new Date());

    // Act: a redeploy with one more target
    const plan = await planOf(watchRun(new RecordingPublisher(), [...urls(), 'smtps://new.example.com:465']));
    const list = await store.store.loadWatchList();

    // Assess
    expect(plan.entries).toBe(3);
    const byTarget = new Map(list?.items.map((i) => [i.target, i.status]));
    expect(byTarget.get(urls()[0])).toBe('removed');
    expect(byTarget.get('smtps://new.example.com:465')).toBe('active');
  });

  it('leaves out a target whose stored policy no longer reads, reports it, and watches the others (whole run and shards alike)', async () => {
    // Prepare: the first target carries a stored policy that does not parse
    const publisher = new RecordingPublisher();
    const run = watchRun(publisher);
    await planOf(run);
    await store.store.setWatchPolicy(urls()[0], { policies: [{ targets: ['*'], pins: ['not-a-pin'] }] });

    // Act
    const whole = await run.cycle(new Date());
    const plan = await planOf(run, 2);
    const shards = [await run.shard(orderOf(plan, 0)), await run.shard(orderOf(plan, 1))];

    // Assess
    for (const summaries of [[whole.summary], shards.map((r) => r.summary)]) {
      const problems = summaries.flatMap((s) => s.problems);
      expect(problems).toEqual([{ target: urls()[0], message: expect.stringMatching(/stored consumer policy/) }]);
    }
    const observed = (results: Array<{ observations: Array<{ target: string }> }>) =>
      [...new Set(results.flatMap((r) => r.observations.map((o) => o.target)))].sort();
    expect(observed([whole])).toEqual(urls().slice(1).sort());
    expect(observed(shards)).toEqual(urls().slice(1).sort());
  });

  it('runs TLS posture through the same fan-out: shards enumerate and record, the merge publishes once', async () => {
    // Prepare: a rule every loopback server breaks (it accepts TLS 1.2)
    const publisher = new RecordingPublisher();
    const run = new WatchRun(
      { store: store.store, prober: new SmtpProber(), publisher },
      { ...settings(), list: { kind: 'context', targets: urls() }, postureRules: parsePolicy('min-version=TLS1.3') },
    );
    const plan = await run.plan(new Date(), { invocationMs: 300_000, forceShards: 2, posture: true });

    // Act
    const late = await run.postureShard(orderOf(plan, 0), { invocationEnd: Date.now() + 1000 });
    const shards = [await run.postureShard(orderOf(plan, 0)), await run.postureShard(orderOf(plan, 1))];
    const published = publisher.types().length;
    await run.merge(plan);

    // Assess: a shard with no time left enumerates nothing; the others cover the list, publishing nothing
    expect(late.postures).toEqual([]);
    expect([...late.unreached].sort()).toEqual(
      urls()
        .filter((u) => shardOf(u, 2) === 0)
        .sort(),
    );
    expect(shards.flatMap((r) => r.postures.map((p) => p.target)).sort()).toEqual(urls().sort());
    expect(shards.flatMap((r) => r.unreached)).toEqual([]);
    expect(published).toBe(0);
    expect(publisher.types()).toEqual(urls().map(() => 'TLS_POLICY_VIOLATED'));
    for (const url of urls()) expect(Object.keys(await store.store.loadPostures(url))).toEqual(['127.0.0.2']);
  });
});
