/**
 * A shard always fits its invocation: on dynalite with real SMTP servers on loopback and a server that
 * accepts and never answers (black-holed targets), a shard given a short invocation stops probing in
 * time, records what it did not reach as not observed (no history written, nothing retired), saves the
 * rate it measured, and the next plan cuts the grown list into shards that each reach their slice.
 */
import { createSocket, type Socket } from 'node:dgram';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { SmtpProber } from '../../lambdas/probe/prober';
import type { ShardOrder } from '../../lambdas/run/fan-out';
import { WatchRun } from '../../lambdas/run/watch-run';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { hostile, type ScriptedServer, startScriptedServer } from '../support/hostile-servers';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, HOST, type Pki, probeOptionsFor, RecordingPublisher } from './cycle-harness';

const SILENT = 20;

describe('a shard within its invocation (dynalite, loopback servers, black-holed targets)', () => {
  let pki: Pki;
  let store: EmbeddedStore;
  let servers: SmtpTestServer[];
  let silent: ScriptedServer;

  beforeAll(async () => {
    pki = await createPki('deadline');
    const cert = await pki.leaf();
    servers = await Promise.all(
      [0, 1, 2].map(() => startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST })),
    );
    silent = await startScriptedServer(hostile.silence(), '127.0.0.2');
  });

  afterAll(async () => {
    await Promise.all([...servers.map((s) => s.close()), silent.close()]);
  });

  beforeEach(async () => {
    store = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await store.close();
  });

  const good = () => servers.map((s) => `smtp://${HOST}:${s.port}`);
  const blackHoled = () => Array.from({ length: SILENT }, (_, i) => `smtp://silent-${i}.test:${silent.port}`);
  const run = () => {
    const probeOptions = {
      ...probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']),
      timeoutMs: 1000,
      concurrency: 8,
    };
    probeOptions.resolve = [
      ...servers.map((s) => ({ host: HOST, port: s.port, addresses: ['127.0.0.2'] })),
      ...blackHoled().map((_, i) => ({ host: `silent-${i}.test`, port: silent.port, addresses: ['127.0.0.2'] })),
    ];
    return new WatchRun(
      { store: store.store, prober: new SmtpProber(), publisher: new RecordingPublisher() },
      { probeOptions, watch: DEFAULT_WATCH_CONFIG, list: { kind: 'context', targets: [...good(), ...blackHoled()] } },
    );
  };
  const order = (plan: { runId: string; now: string; shardCount: number }, shard: number): ShardOrder => ({
    runId: plan.runId,
    now: plan.now,
    shard,
    shardCount: plan.shardCount,
  });

  it('stops probing in time, records the rest as not observed, saves its rate; the next plan reaches them', async () => {
    // Prepare: the list grew to 23 targets, 20 of which never answer; one shard of a 6 s invocation
    const first = run();
    const plan = await first.plan(new Date(), { invocationMs: 6000, forceShards: 1 });

    // Act
    const short = await first.shard(order(plan, 0), { invocationEnd: Date.now() + 6000 });
    const rate = await store.store.loadProbeRate();
    const unwritten = await Promise.all(
      short.summary.unreached.map(async (t) => (await store.store.loadTarget(t)).state),
    );
    const next = run();
    const replan = await next.plan(new Date(), { invocationMs: 20_000 });
    const shards = [];
    for (const shard of replan.shards) {
      shards.push(await next.shard(order(replan, shard), { invocationEnd: Date.now() + 20_000 }));
    }

    // Assess: the short shard reached some, left the others unreached, wrote nothing for them
    const all = [...good(), ...blackHoled()];
    const reached = [...new Set(short.observations.map((o) => o.target))];
    const { unreached } = short.summary;
    expect(unreached.length).toBeGreaterThan(0);
    expect([...reached, ...unreached].sort()).toEqual([...all].sort());
    expect(unwritten.every((state) => state === null)).toBe(true);
    expect(rate?.entries).toBe(reached.length);
    // the next run: more shards, each reaching its slice; every target now has history
    expect(replan.shardCount).toBeGreaterThan(1);
    expect(shards.flatMap((s) => s.summary.unreached)).toEqual([]);
    for (const target of all) expect((await store.store.loadTarget(target)).state).not.toBeNull();
    const retired = shards.flatMap((s) => s.notices).filter((n) => n.type === 'CERTIFICATE_RETIRED');
    expect(retired).toEqual([]);
  });

  it("a shard the run's window cuts short leaves the measured rate alone: it measured how late it started", async () => {
    // Prepare: the last runs' rate; a shard of the grown list started 6 s before the window closes, with
    // a long invocation ahead of it
    const measured = { entries: 40, seconds: 2, at: new Date(0).toISOString() };
    await store.store.saveProbeRate(measured);
    const late = run();
    const plan = await late.plan(new Date(), { invocationMs: 60_000, forceShards: 1 });

    // Act
    const result = await late.shard(
      { ...order(plan, 0), deadline: Date.now() + 6000 },
      { invocationEnd: Date.now() + 60_000 },
    );

    // Assess: the window left targets unreached, and the rate is still the measured one
    expect(result.summary.unreached.length).toBeGreaterThan(0);
    expect(await store.store.loadProbeRate()).toEqual(measured);
  });

  describe("a shard started after the run's window", () => {
    let dns: Socket;
    let dnsPort: number;

    beforeAll(async () => {
      // A DNS server that never answers: the shard's MX lookups take their whole timeout.
      dns = createSocket('udp4');
      await new Promise<void>((bound) => dns.bind(0, '127.0.0.1', bound));
      dnsPort = dns.address().port;
    });

    afterAll(async () => {
      await new Promise<void>((closed) => dns.close(() => closed()));
    });

    it('probes nothing and leaves the measured rate alone: it measured nothing', async () => {
      // Prepare: the last run's rate, and a list whose MX lookups are slow
      const measured = { entries: 40, seconds: 2, at: new Date(0).toISOString() };
      await store.store.saveProbeRate(measured);
      const late = new WatchRun(
        { store: store.store, prober: new SmtpProber(), publisher: new RecordingPublisher() },
        {
          probeOptions: {
            ...probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']),
            timeoutMs: 3000,
            dnsServers: [`127.0.0.1:${dnsPort}`],
          },
          watch: DEFAULT_WATCH_CONFIG,
          list: { kind: 'context', targets: [...good(), 'mx:slow-1.test', 'mx:slow-2.test'] },
        },
      );
      const plan = await late.plan(new Date(), { invocationMs: 20_000, forceShards: 1 });

      // Act: the state machine's window closed before this shard started (a Map item run late)
      const result = await late.shard(
        { ...order(plan, 0), deadline: Date.now() - 1000 },
        { invocationEnd: Date.now() + 20_000 },
      );

      // Assess
      expect(result.observations.filter((o) => o.error?.code !== 'DNS_FAILED')).toEqual([]);
      expect(result.summary.unreached.sort()).toEqual(good().sort());
      expect(await store.store.loadProbeRate()).toEqual(measured);
    });
  });
});
