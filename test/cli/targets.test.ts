import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TARGET_URLS } from '../../lambdas/core/targets';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { createPki, HOST, type Pki } from '../integration/cycle-harness';
import { cli as certwatch } from '../support/cli';
import { useLocalAwsCredentials } from '../support/local-aws-credentials';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

interface Listed {
  target: string;
  status: string;
  source: string;
  removedAt: string | null;
}

/** The watch list through the real CLI on a real embedded store (dynalite), with real loopback servers. */
describe('certwatch targets: the watch list lives in the store', () => {
  let pki: Pki;
  let dir: string;
  let store: string;
  let caFile: string;
  let servers: SmtpTestServer[] = [];

  beforeAll(async () => {
    pki = await createPki('targets');
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-targets-'));
    store = join(dir, 'store');
    caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
  });

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  /** Two servers of HOST on their own ports (both on 127.0.0.2): two targets. */
  async function twoTargets(): Promise<{ urls: [string, string]; pins: string[] }> {
    const cert = await pki.leaf();
    const a = await startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST });
    const b = await startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST });
    servers.push(a, b);
    return {
      urls: [`smtp://${HOST}:${a.port}`, `smtp://${HOST}:${b.port}`],
      pins: ['--resolve', `${HOST}:${a.port}:127.0.0.2`, '--resolve', `${HOST}:${b.port}:127.0.0.2`],
    };
  }

  const probeArgs = (pins: string[]) => [...pins, '--ca', caFile, '--key-types', 'ecdsa', '--timeout', '3000'];

  async function listed(...location: string[]): Promise<{ initializedWith: string; targets: Listed[] }> {
    const out = await certwatch(['targets', 'list', ...(location.length ? location : ['--store', store]), '--json']);
    expect(out.code).toBe(0);
    return JSON.parse(out.stdout);
  }

  it('lists nothing for a store that does not exist yet, and creates nothing', async () => {
    // Act
    const text = await certwatch(['targets', 'list', '--store', store]);
    const json = await listed();

    // Assess
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^No target is watched in .* yet: there is no store there/);
    expect(json).toEqual({ store, initializedWith: null, targets: [] });
    expect(existsSync(store)).toBe(false);
  });

  it('starts a new store with Google set and records that choice', async () => {
    // Prepare: a store that exists, with no list yet.
    await (await startEmbeddedStore({ dir: store })).close();

    // Act
    const first = await listed();
    const again = await listed();

    // Assess
    expect(first.initializedWith).toBe('default');
    expect(first.targets.map((t) => t.target).sort()).toEqual([...DEFAULT_TARGET_URLS].sort());
    expect(first.targets.every((t) => t.source === 'default' && t.status === 'active')).toBe(true);
    expect(again).toEqual(first);
  });

  it('watches exactly what was added: check with no target probes the list, not Google', async () => {
    // Prepare
    const { urls, pins } = await twoTargets();

    // Act
    const add = await certwatch(['targets', 'add', ...urls, '--store', store]);
    const check = await certwatch(['check', ...probeArgs(pins), '--store', store, '--json']);

    // Assess
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`added    ${urls[0]}`);
    expect((await listed()).targets.map((t) => t.target).sort()).toEqual([...urls].sort());
    expect(check.code).toBe(0);
    const doc = JSON.parse(check.stdout);
    expect([...new Set(doc.observations.map((o: { target: string }) => o.target))].sort()).toEqual([...urls].sort());
    expect(doc.notices.map((n: { type: string }) => n.type)).toEqual(['BASELINE']);
  });

  it('keeps the history of a removed target, marked removed, and stops probing it', async () => {
    // Prepare
    const { urls, pins } = await twoTargets();
    await certwatch(['targets', 'add', ...urls, '--store', store]);
    await certwatch(['check', ...probeArgs(pins), '--store', store, '--json']);

    // Act
    const remove = await certwatch(['targets', 'remove', urls[1], '--store', store]);
    const check = await certwatch(['check', ...probeArgs(pins), '--store', store, '--json']);
    const history = await certwatch(['history', '--store', store, '--json']);
    const table = await certwatch(['history', '--store', store]);

    // Assess
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain(`removed  ${urls[1]} (its history is kept)`);
    const list = (await listed()).targets;
    expect(list.find((t) => t.target === urls[1])).toMatchObject({ status: 'removed', removedAt: expect.any(String) });
    expect(new Set(JSON.parse(check.stdout).observations.map((o: { target: string }) => o.target))).toEqual(
      new Set([urls[0]]),
    );
    const entries = JSON.parse(history.stdout).targets as Array<{
      target: string;
      watch: { status: string };
      certificates: unknown[];
    }>;
    const removed = entries.find((e) => e.target === urls[1]);
    expect(removed?.watch.status).toBe('removed');
    expect(removed?.certificates.length).toBeGreaterThan(0);
    expect(entries.find((e) => e.target === urls[0])?.watch.status).toBe('active');
    expect(table.stdout).toContain(`${urls[1]} (removed)`);
  });

  it('runs posture on the store list when no target is named', async () => {
    // Prepare
    const { urls, pins } = await twoTargets();
    await certwatch(['targets', 'add', urls[0], '--store', store]);

    // Act
    const posture = await certwatch([
      'posture',
      ...probeArgs(pins.slice(0, 2)),
      '--store',
      store,
      '--handshake-budget',
      '4',
      '--pause',
      '0',
      '--json',
    ]);

    // Assess
    expect(posture.stderr).toBe('');
    const entries = JSON.parse(posture.stdout) as Array<{ target: string }>;
    expect([...new Set(entries.map((e) => e.target))]).toEqual([urls[0]]);
  });

  it('adopts the targets a store from before the watch list already has history of', async () => {
    // Prepare: a store whose history came from checks that named their targets
    const { urls, pins } = await twoTargets();
    await certwatch(['check', urls[0], ...probeArgs(pins), '--store', store, '--json']);
    await certwatch(['check', urls[1], ...probeArgs(pins), '--store', store, '--json']);

    // Act
    const check = await certwatch(['check', ...probeArgs(pins), '--store', store, '--json']);

    // Assess
    expect(check.code).toBe(0);
    const doc = JSON.parse(check.stdout);
    expect([...new Set(doc.observations.map((o: { target: string }) => o.target))].sort()).toEqual([...urls].sort());
    expect(doc.notices).toEqual([]);
    const list = await listed();
    expect(list.initializedWith).toBe('adopted');
    expect(list.targets.map((t) => [t.target, t.source]).sort()).toEqual(urls.map((u) => [u, 'adopted']).sort());
  });

  it('watches a removed target again when it is added again', async () => {
    // Prepare
    await certwatch(['targets', 'add', 'smtp://a.example.com', 'mx:example.com', '--store', store]);
    await certwatch(['targets', 'remove', 'smtp://a.example.com', '--store', store]);

    // Act
    const again = await certwatch(['targets', 'add', 'a.example.com', '--store', store]);

    // Assess
    expect(again.code).toBe(0);
    expect((await listed()).targets.map((t) => [t.target, t.status])).toEqual(
      expect.arrayContaining([
        ['smtp://a.example.com:25', 'active'],
        ['mx:example.com', 'active'],
      ]),
    );
  });

  it('marks entries for a metric of their own with add --metric and unmarks them with --no-metric', async () => {
    // Prepare
    await certwatch(['targets', 'add', 'smtp://a.example.com', 'smtp://b.example.com', '--store', store]);

    // Act
    const mark = await certwatch([
      'targets',
      'add',
      'smtp://a.example.com',
      'mx:example.com',
      '--metric',
      '--store',
      store,
    ]);
    const marked = await listed();
    const table = await certwatch(['targets', 'list', '--store', store]);
    const unmark = await certwatch(['targets', 'add', 'mx:example.com', '--no-metric', '--store', store]);
    const misplaced = await certwatch(['targets', 'list', '--metric', '--store', store]);

    // Assess
    expect(mark.code).toBe(0);
    expect(mark.stdout).toContain('metric   smtp://a.example.com:25: DaysToExpiry metric of its own on');
    expect(marked.targets.map((t) => [t.target, (t as { metric?: boolean }).metric ?? false])).toEqual([
      ['smtp://a.example.com:25', true],
      ['smtp://b.example.com:25', false],
      ['mx:example.com', true],
    ]);
    expect(table.stdout).toMatch(/smtp:\/\/a\.example\.com:25\s+active, metric/);
    expect(unmark.code).toBe(0);
    expect((await listed()).targets.filter((t) => (t as { metric?: boolean }).metric).map((t) => t.target)).toEqual([
      'smtp://a.example.com:25',
    ]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toBe('certwatch: --metric goes with targets add\n');
  });

  it('names Google inbound fleet as one set', async () => {
    // Act
    const add = await certwatch(['targets', 'add', 'google-inbound', '--store', store]);

    // Assess
    expect(add.code).toBe(0);
    const hosts = (await listed()).targets.map((t) => t.target);
    expect(hosts).toHaveLength(10);
    expect(hosts).toEqual(
      expect.arrayContaining([
        'smtp://aspmx.l.google.com:25',
        'smtp://alt4.aspmx.l.google.com:25',
        'smtp://gmail-smtp-in.l.google.com:25',
        'smtp://alt1.gmail-smtp-in.l.google.com:25',
      ]),
    );
  });

  it('refuses, on one line and exit 2, to remove what is not listed, a bad target, or a check of an emptied list', async () => {
    // Prepare
    await certwatch(['targets', 'add', 'smtp://a.example.com', '--store', store]);

    // Act
    const unknown = await certwatch(['targets', 'remove', 'smtp://b.example.com', '--store', store]);
    const bad = await certwatch(['targets', 'add', 'https://a.example.com', '--store', store]);
    const badMx = await certwatch(['targets', 'add', 'mx:bad domain', '--store', store]);
    const none = await certwatch(['targets', 'add', '--store', store]);
    await certwatch(['targets', 'remove', 'smtp://a.example.com', '--store', store]);
    const empty = await certwatch(['check', '--store', store]);

    // Assess
    for (const outcome of [unknown, bad, badMx, none, empty]) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^certwatch: [^\n]+\n$/);
    }
    expect(unknown.stderr).toContain('not on the watch list');
    expect(empty.stderr).toContain('watch list');
    expect((await listed()).targets.map((t) => t.status)).toEqual(['removed']);
  });

  it('keeps the list in a DynamoDB table too (--table --endpoint)', async () => {
    // Prepare
    const engine = await startEmbeddedStore({ inMemory: true, tableName: 'watch-table' });
    const table = ['--table', 'watch-table', '--endpoint', engine.endpoint];
    const restoreCredentials = useLocalAwsCredentials();
    try {
      // Act
      const add = await certwatch(['targets', 'add', 'smtp://a.example.com', 'mx:example.com', ...table]);
      const remove = await certwatch(['targets', 'remove', 'mx:example.com', ...table]);
      const list = await listed(...table);

      // Assess
      expect(add.code).toBe(0);
      expect(remove.code).toBe(0);
      expect(list.targets.map((t) => [t.target, t.status])).toEqual(
        expect.arrayContaining([
          ['smtp://a.example.com:25', 'active'],
          ['mx:example.com', 'removed'],
        ]),
      );
    } finally {
      await engine.close();
      restoreCredentials();
    }
  });
});
