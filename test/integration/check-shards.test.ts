/**
 * `certwatch check --shards N`: the shard path run locally, each shard in a worker process of the
 * compiled CLI (dist/cli, built by jest's global setup) against this process's embedded store endpoint
 * (dynalite), with real SMTP servers on loopback: one BASELINE per run, every target's history stored,
 * notices published once, the shards' pids not this process's, and a broken shard costs only its own
 * targets.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShardedCheck } from '../../lambdas/cli/check-sharded';
import { defaultWorkerCommand } from '../../lambdas/cli/shard-workers';
import { shardOf } from '../../lambdas/core/run-budget';
import { openHistoryStore } from '../../lambdas/store/open-store';
import { cli as certwatch, expectOneLineRefusal } from '../support/cli';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, HOST, type Pki, probeOptionsFor, RecordingPublisher } from './cycle-harness';

const SHARDS = 4;

describe('check --shards: shards in worker processes against the parent store (dynalite, loopback servers)', () => {
  let pki: Pki;
  let servers: SmtpTestServer[];
  let dir: string;
  let store: string;
  let caFile: string;

  beforeAll(async () => {
    pki = await createPki('shards');
    const cert = await pki.leaf();
    servers = await Promise.all(
      Array.from({ length: 8 }, () => startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST })),
    );
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-shards-'));
    store = join(dir, 'store');
    caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
    const added = await certwatch(['targets', 'add', ...urls(), '--store', store]);
    expect(added.code).toBe(0);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const urls = () => servers.map((s) => `smtp://${HOST}:${s.port}`);
  const probeArgs = () => [
    ...servers.flatMap((s) => ['--resolve', `${HOST}:${s.port}:127.0.0.2`]),
    '--ca',
    caFile,
    '--key-types',
    'ecdsa',
    '--timeout',
    '5000',
    '--ehlo',
    'certwatch.test',
  ];
  const storedTargets = async () => {
    const opened = await openHistoryStore({ kind: 'embedded', dir: store }, { mustExist: true });
    try {
      const histories = await Promise.all(urls().map((url) => opened?.store.loadTarget(url)));
      return histories.map((h) => h?.state?.cycles ?? 0);
    } finally {
      await opened?.close();
    }
  };

  it('runs each shard in its own process, stores every target and publishes one BASELINE once', async () => {
    // Prepare: the list (8 targets) is in the store; no history yet

    // Act
    const first = await certwatch(['check', '--shards', String(SHARDS), ...probeArgs(), '--store', store, '--json']);
    const second = await certwatch(['check', '--shards', String(SHARDS), ...probeArgs(), '--store', store, '--json']);

    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout);
    const shards = doc.shards as Array<{ shard: number; pid: number; attempts: number; error?: string }>;
    expect(shards.map((s) => s.shard)).toEqual([0, 1, 2, 3]);
    expect(shards.filter((s) => s.error !== undefined)).toEqual([]);
    expect(shards.every((s) => Number.isInteger(s.pid) && s.pid !== process.pid)).toBe(true);
    expect(new Set(shards.map((s) => s.pid)).size).toBe(SHARDS);
    expect(doc.observations.map((o: { target: string }) => o.target).sort()).toEqual(urls().sort());
    expect(doc.observations.filter((o: { ok: boolean }) => !o.ok)).toEqual([]);
    expect(doc.published.map((n: { type: string }) => n.type)).toEqual(['BASELINE']);
    const facts = doc.published[0].facts as { targets: Array<{ target: string }> };
    expect(facts.targets.map((t) => t.target).sort()).toEqual(urls().sort());
    expect(await storedTargets()).toEqual(urls().map(() => 2)); // two cycles each
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(again.published).toEqual([]);
    expect(again.observations).toHaveLength(urls().length);
  });

  it.each([
    ['a TARGET', ['smtp://mx.example.com'], /--shards runs the store's watch list/],
    ['--posture', ['--posture'], /--shards cannot be combined with --posture/],
    ['zero shards', ['--shards', '0'], /--shards.*whole number from 1 to 1000/],
  ])('refuses --shards with %s in one line (exit 2)', async (_what, extra, message) => {
    // Act
    const run = await certwatch(['check', '--shards', '2', ...extra, '--store', store]);

    // Assess
    expectOneLineRefusal(run, 2, message);
  });

  it('prints the BASELINE once and the table through the console publisher', async () => {
    // Act
    const run = await certwatch(['check', '--shards', String(SHARDS), ...probeArgs(), '--store', store]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.match(/BASELINE/g)).toHaveLength(1);
    for (const url of urls()) expect(run.stdout).toContain(`${HOST}:${url.split(':').at(-1)}`);
  });

  it('retries a failed worker once alone, and a shard failing twice loses only its own targets', async () => {
    // Prepare: a worker wrapper (a real process) that fails one shard — once in the first run, always in the
    // second. The servers' ports are random, so the broken shard is one that holds a target.
    const brokenShard = shardOf(urls()[0], SHARDS);
    const marker = join(dir, 'failed-once');
    const wrapper = join(dir, 'flaky-worker.cjs');
    const real = defaultWorkerCommand();
    writeFileSync(
      wrapper,
      [
        "const { existsSync, writeFileSync } = require('node:fs');",
        "const { spawnSync } = require('node:child_process');",
        'const chunks = [];',
        "process.stdin.on('data', (c) => chunks.push(c));",
        "process.stdin.on('end', () => {",
        '  const input = Buffer.concat(chunks);',
        '  const { order } = JSON.parse(input.toString());',
        `  if (order.shard === ${brokenShard} && (process.env.FAIL_ALWAYS === '1' || !existsSync(${JSON.stringify(marker)}))) {`,
        `    writeFileSync(${JSON.stringify(marker)}, 'x');`,
        "    process.stderr.write('certwatch: shard broken on purpose\\n');",
        '    process.exit(3);',
        '  }',
        `  const r = spawnSync(process.execPath, ${JSON.stringify(real.args)}, { input, stdio: ['pipe', 'inherit', 'inherit'] });`,
        '  process.exit(r.status ?? 1);',
        '});',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    const command = { file: process.execPath, args: [wrapper] };
    const options = probeOptionsFor(servers[0].port, pki.root, ['127.0.0.2']);
    options.resolve = servers.map((s) => ({ host: HOST, port: s.port, addresses: ['127.0.0.2'] }));
    const runOnce = async (failAlways: boolean) => {
      process.env.FAIL_ALWAYS = failAlways ? '1' : '0';
      const opened = await openHistoryStore({ kind: 'embedded', dir: store });
      if (!opened) throw new Error('no store');
      const publisher = new RecordingPublisher();
      try {
        const run = await runShardedCheck(opened, {
          shards: SHARDS,
          probeOptions: options,
          publisher,
          now: new Date(),
          workers: { command, workers: 2 },
        });
        return { run, publisher };
      } finally {
        await opened.close();
        delete process.env.FAIL_ALWAYS;
      }
    };

    // Act
    const retried = await runOnce(false);
    rmSync(store, { recursive: true, force: true });
    expect((await certwatch(['targets', 'add', ...urls(), '--store', store])).code).toBe(0);
    const broken = await runOnce(true);

    // Assess: first run — the broken shard took two attempts and nothing is missing
    expect(retried.run.shards.find((s) => s.shard === brokenShard)).toMatchObject({ attempts: 2 });
    expect(retried.run.shards.filter((s) => s.error !== undefined)).toEqual([]);
    expect(retried.run.result.observations).toHaveLength(urls().length);
    expect(retried.publisher.types()).toEqual(['BASELINE']);
    // second run — the broken shard failed twice; the other shards' targets are stored and in the one BASELINE
    const lost = urls().filter((u) => shardOf(u, SHARDS) === brokenShard);
    const kept = urls().filter((u) => shardOf(u, SHARDS) !== brokenShard);
    expect(lost.length).toBeGreaterThan(0);
    expect(broken.run.shards.find((s) => s.shard === brokenShard)).toMatchObject({
      attempts: 2,
      error: expect.stringContaining('shard broken on purpose'),
    });
    expect(broken.publisher.types()).toEqual(['BASELINE']);
    const facts = broken.publisher.published[0].facts as { targets: Array<{ target: string }> };
    expect(facts.targets.map((t) => t.target).sort()).toEqual(kept.sort());
    expect(await storedTargets()).toEqual(urls().map((u) => (lost.includes(u) ? 0 : 1)));
  });

  it.each([
    ['check', [] as string[]],
    ['check --shards', ['--shards', '2']],
  ])(
    '%s reports a target whose stored policy no longer reads in one line, checks the others, and exits 1',
    async (_what, extra) => {
      // Prepare: a policy stored on the first entry that no longer parses
      const opened = await openHistoryStore({ kind: 'embedded', dir: store }, { mustExist: true });
      await opened?.store.setWatchPolicy(urls()[0], { policies: [{ targets: ['*'], pins: ['not-a-pin'] }] });
      await opened?.close();

      // Act
      const run = await certwatch(['check', ...extra, ...probeArgs(), '--store', store, '--json']);

      // Assess
      expect(run.code).toBe(1);
      // (its --resolve pin goes unused, which is said too)
      const lines = run.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.includes('was not used'));
      expect(lines).toEqual([expect.stringContaining(`${urls()[0]} left out of this cycle: stored consumer policy`)]);
      const observed = new Set(JSON.parse(run.stdout).observations.map((o: { target: string }) => o.target));
      expect([...observed].sort()).toEqual(urls().slice(1).sort());
      expect(await storedTargets()).toEqual(urls().map((_, i) => (i === 0 ? 0 : 1)));
    },
  );
});
