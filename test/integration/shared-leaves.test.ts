/**
 * Shared leaves once across targets, time and shards (docs/rollouts.md): three host names serving one
 * leaf, watched by a run cut into three shards as the state machine drives it (plan → shards → merge),
 * once a simulated day, on the embedded DynamoDB engine with real SMTP servers on loopback. Two targets
 * adopt the new leaf one day, the third the next: one NEW_CERTIFICATE, one ROLLOUT_PROGRESS for the
 * latecomer, and one CERTIFICATE_RETIRED of the old leaf once the last target let it go, naming every host.
 * And a leaf one target retired long ago, now served by another target of the same cycle: the first
 * target is read through its live view, which no longer holds that leaf (docs/history-table.md), and the
 * settlement still finds it there.
 */

import type { Notice } from '../../lambdas/core/notice';
import { parseTarget } from '../../lambdas/core/targets';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { WatchRun } from '../../lambdas/run/watch-run';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, type Pki, probeOptionsFor, RecordingPublisher } from './cycle-harness';

const DAY = 86_400_000;
const HOSTS = ['mx1.shared.example', 'mx2.shared.example', 'mx3.shared.example'];

describe('a leaf three targets share, watched in three shards over days', () => {
  let pki: Pki;
  let store: EmbeddedStore;
  let servers: SmtpTestServer[] = [];

  beforeAll(async () => {
    pki = await createPki('shared-leaves');
  });

  beforeEach(async () => {
    store = await startEmbeddedStore({ inMemory: true });
  });

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    await store.close();
  });

  it('tells one NEW_CERTIFICATE, one ROLLOUT_PROGRESS for the latecomer and one CERTIFICATE_RETIRED naming every host', async () => {
    // Prepare
    const [oldLeaf, newLeaf] = [await pki.leaf({ hostnames: HOSTS }), await pki.leaf({ hostnames: HOSTS })];
    servers = await Promise.all(
      HOSTS.map((host) => startSmtpTestServer({ address: '127.0.0.2', certs: [oldLeaf], greeting: host })),
    );
    const urls = HOSTS.map((host, i) => `smtp://${host}:${servers[i].port}`);
    const options = probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']);
    options.resolve = HOSTS.map((host, i) => ({ host, port: servers[i].port, addresses: ['127.0.0.2'] }));
    const publisher = new RecordingPublisher();
    const run = new WatchRun(
      { store: store.store, prober: new SmtpProber(), publisher },
      { probeOptions: options, watch: DEFAULT_WATCH_CONFIG, list: { kind: 'context', targets: urls } },
    );
    const start = Date.now();
    const day = async (n: number): Promise<Notice[]> => {
      const before = publisher.published.length;
      const plan = await run.plan(new Date(start + n * DAY), { invocationMs: 300_000, forceShards: 3 });
      for (const shard of plan.shards) {
        await run.shard({ runId: plan.runId, now: plan.now, shard, shardCount: plan.shardCount });
      }
      await run.merge(plan);
      return publisher.published.slice(before);
    };

    // Act
    const baseline = await day(0);
    servers[0].setCerts([newLeaf]);
    servers[1].setCerts([newLeaf]);
    const adopted = await day(1);
    servers[2].setCerts([newLeaf]);
    const late = await day(2);
    const later: Notice[] = [];
    for (let n = 3; n <= 9; n++) later.push(...(await day(n)));

    // Assess
    const types = (notices: Notice[]) => notices.map((n) => n.type);
    expect(types(baseline)).toEqual(['BASELINE']);
    expect(types(adopted)).toEqual(['NEW_CERTIFICATE']);
    expect([...adopted[0].hosts].sort()).toEqual(HOSTS.slice(0, 2));
    expect(types(late)).toEqual(['ROLLOUT_PROGRESS']);
    expect(late[0].hosts).toEqual([HOSTS[2]]);
    expect((late[0] as Notice<'ROLLOUT_PROGRESS'>).facts.servingTargets).toBe(3);
    expect(types(later)).toEqual(['CERTIFICATE_RETIRED']);
    const retired = later[0] as Notice<'CERTIFICATE_RETIRED'>;
    expect(retired.facts.cert.sha256).toBe(oldLeaf.chain.leaf.sha256);
    expect([...retired.hosts].sort()).toEqual(HOSTS);
    expect(retired.facts.targets?.map((t) => t.target).sort()).toEqual([...urls].sort());
  }, 300_000);

  it('finds a leaf another target of the cycle retired long ago, though its live view no longer holds it', async () => {
    // Prepare: B serves X, then Y; X retires at B and leaves B's live view. A serves W.
    const [x, y, w] = [
      await pki.leaf({ hostnames: HOSTS }),
      await pki.leaf({ hostnames: HOSTS }),
      await pki.leaf({ hostnames: HOSTS }),
    ];
    servers = [
      await startSmtpTestServer({ address: '127.0.0.2', certs: [w], greeting: HOSTS[0] }),
      await startSmtpTestServer({ address: '127.0.0.2', certs: [x], greeting: HOSTS[1] }),
    ];
    const targets = servers.map((s, i) => parseTarget(`smtp://${HOSTS[i]}:${s.port}`));
    const probeOptions = probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']);
    probeOptions.resolve = targets.map((t) => ({ host: t.host, port: t.port, addresses: ['127.0.0.2'] }));
    const publisher = new RecordingPublisher();
    const start = Date.now();
    const day = async (n: number): Promise<Notice[]> => {
      const before = publisher.published.length;
      await runWatchCycle(
        { store: store.store, prober: new SmtpProber(), publisher },
        { targets, probeOptions, now: new Date(start + n * DAY) },
      );
      return publisher.published.slice(before);
    };
    await day(0);
    servers[1].setCerts([y]);
    for (let n = 1; n <= 8; n++) await day(n);
    const b = await store.store.loadTarget(targets[1].url, { live: true });

    // Act: A now serves X.
    servers[0].setCerts([x]);
    const adopted = await day(9);

    // Assess: B was read through a view without X, and X was B's before: not new, progress.
    expect(b.view?.from).toBe('view');
    expect(b.certs.map((c) => c.sha256)).not.toContain(x.chain.leaf.sha256);
    expect(adopted.map((n) => n.type)).toEqual(['ROLLOUT_PROGRESS']);
    expect(adopted[0].hosts).toEqual([HOSTS[0]]);
  }, 300_000);
});
