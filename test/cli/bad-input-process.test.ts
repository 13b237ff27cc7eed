import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { cli } from '../support/cli';
import { certwatchProcess, certwatchShell, type ProcessOutcome } from '../support/cli-process';
import { createChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { snapshotTree } from '../support/tree-snapshot';
import { BAD_INPUT_CASES, type BadInputCase, type Fixture } from './bad-input-cases';
import { EDGE_CASES } from './bad-input-edge-cases';

/** Sets the mode of `dir` and everything under it (directories get `dirMode`). */
function chmodTree(dir: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chmodTree(path, dirMode, fileMode);
    else chmodSync(path, fileMode);
  }
  chmodSync(dir, dirMode);
}

describe("issue #26's bad inputs through the built CLI: exit code, one stderr line, no trace, store as it was", () => {
  const BAD_HOST = 'mx.bad-input.example';
  let server: SmtpTestServer;
  let work: string;
  const stores: Record<string, string> = {};
  let fixture: Fixture;
  let copies = 0;

  beforeAll(async () => {
    const chain = await createChain({ keyType: 'ecdsa', hostnames: [BAD_HOST] });
    server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
    work = mkdtempSync(join(tmpdir(), 'certwatch-bad-input-process-'));
    // Other users (the unprivileged rows run as nobody when this is root) must reach the stores.
    chmodSync(work, 0o755);
    const caFile = join(work, 'ca.pem');
    writeFileSync(caFile, chain.root.certPem);
    const target = `smtp://${BAD_HOST}:${server.port}`;
    const probe = ['--resolve', `${BAD_HOST}:${server.port}:127.0.0.1`, '--ca', caFile, '--key-types', 'ecdsa'];
    for (const name of ['base', 'failing', 'big']) stores[name] = join(work, `fixture-${name}`);
    const [base, failing] = await Promise.all([
      certwatchProcess(['check', target, ...probe, '--store', stores.base]),
      certwatchProcess(['check', 'smtp://127.0.0.1:1', '--key-types', 'ecdsa', '--store', stores.failing]),
    ]);
    // The fixtures must be what the rows take them for: exit 1 alone is also a check that died before it
    // stored anything (then the `failing` rows read a store with no history at all).
    expect([base.code, base.stderr, failing.code, failing.stderr]).toEqual([0, '', 1, '']);
    expect(failing.stdout).toMatch(/smtp:\/\/127\.0\.0\.1:1 +127\.0\.0\.1 +ecdsa +CONNECT_REFUSED/);
    const exportItems = async (store: string) => {
      const exported = await certwatchProcess(['export', '--store', store]);
      expect([exported.code, exported.stderr]).toEqual([0, expect.stringMatching(/^certwatch: exported \d+ item/)]);
      return exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const failingItems = await exportItems(stores.failing);
    expect(failingItems.filter((item) => item.kind === 'STATE')).toEqual([
      expect.objectContaining({ target: 'smtp://127.0.0.1:1', cycles: 1, consecutiveFailures: 1 }),
    ]);
    expect(failingItems.filter((item) => String(item.sk).startsWith('CERT#'))).toEqual([]);
    const baseItems = await exportItems(stores.base);
    const certLine = baseItems.find((item) => item.role === 'leaf') as Record<string, unknown>;
    // A store holding an item its readers cannot use, as an import by the release before #26 left it.
    const badTarget = 'smtp://127.0.0.1:1';
    const sha = 'ab'.repeat(32);
    stores.bad = join(work, 'fixture-bad');
    cpSync(stores.base, stores.bad, { recursive: true });
    const embedded = await startEmbeddedStore({ dir: stores.bad });
    await DynamoDBDocumentClient.from(embedded.client).send(
      new PutCommand({
        TableName: embedded.tableName,
        Item: {
          ...certLine,
          pk: `TARGET#${badTarget}`,
          target: badTarget,
          gsi1sk: badTarget,
          sk: `CERT#${sha}`,
          sha256: sha,
          gsi1pk: `FP#${sha}`,
          firstSeen: 12345,
        },
      }),
    );
    await embedded.close();
    // 4,000 items: far more than a pipe holds, so `export | head -1` meets a closed pipe.
    const many = Array.from({ length: 4000 }, (_, i) => {
      const url = `smtp://h${i}.bad-input.example:25`;
      return JSON.stringify({ pk: `TARGET#${url}`, sk: 'STATE', kind: 'STATE', target: url, cycles: 1 });
    });
    writeFileSync(join(work, 'many.jsonl'), `${many.join('\n')}\n`);
    expect((await certwatchProcess(['import', join(work, 'many.jsonl'), '--store', stores.big])).code).toBe(0);
    const readOnlyDir = join(work, 'read-only');
    mkdirSync(readOnlyDir, { mode: 0o555 });
    chmodSync(readOnlyDir, 0o555);
    const copyOf = (name: string) => {
      const copy = join(work, `copy-${++copies}-${name}`);
      cpSync(stores[name], copy, { recursive: true });
      return copy;
    };
    fixture = {
      work,
      target,
      probe,
      caFile,
      baseItems,
      certLine,
      badTarget,
      readOnlyDir,
      copyOf,
      readOnlyCopyOf: (name) => {
        const copy = copyOf(name);
        chmodTree(copy, 0o555, 0o444);
        return copy;
      },
      file: (name, content) => {
        const path = join(work, name);
        writeFileSync(path, content);
        return path;
      },
      unprivileged: process.getuid?.() === 0 ? 65534 : undefined,
    };
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      chmodTree(work, 0o755, 0o644);
      rmSync(work, { recursive: true, force: true });
    }
  });

  it.concurrent.each([...BAD_INPUT_CASES, ...EDGE_CASES].map((c): [string, BadInputCase] => [c.name, c]))(
    '%s',
    async (_name, c) => {
      // Prepare
      const step = c.run(fixture);
      const before = step.store ? snapshotTree(step.store) : {};

      // Act
      const options = { env: step.env, cwd: step.cwd ?? work, uid: step.uid ?? undefined };
      const result: ProcessOutcome = step.sh
        ? await certwatchShell(step.sh, options)
        : await certwatchProcess(step.argv ?? [], options);

      // Assess
      const said = `exit ${result.code}, stderr: ${result.stderr}`;
      expect(said).toBe(`exit ${c.code}, stderr: ${result.stderr}`);
      if (c.stderr === null) expect(result.stderr).toBe('');
      else {
        expect(result.stderr).toMatch(/^certwatch: /);
        expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(c.stderr);
      }
      expect(result.stderr).not.toMatch(/\n\s+at |node:internal|Node\.js v\d/);
      if (c.stdout) expect(result.stdout).toMatch(c.stdout);
      if (step.store && c.creates === 'nothing') expect(existsSync(step.store)).toBe(false);
      else if (step.store && !c.writes) expect(snapshotTree(step.store)).toEqual(before);
      if (step.store && c.unlocked) expect(existsSync(join(step.store, 'certwatch.lock'))).toBe(false);
    },
  );

  it('sets a bad item aside with repair, and takes it back fixed with import --merge', async () => {
    // Prepare
    const store = fixture.copyOf('bad');
    const setAside = join(work, 'set-aside.jsonl');

    // Act
    const repair = await cli(['repair', '--store', store]);
    writeFileSync(setAside, repair.stdout);
    const between = await cli(['history', '--store', store]);
    const fixed = repair.stdout.replace('"firstSeen":12345', '"firstSeen":"2026-01-01T00:00:00.000Z"');
    writeFileSync(setAside, fixed);
    const imported = await cli(['import', setAside, '--merge', '--store', store]);
    const after = await cli(['history', fixture.badTarget, '--store', store]);

    // Assess
    expect(repair.code).toBe(0);
    expect(repair.stdout.trim().split('\n')).toHaveLength(1);
    expect(repair.stderr).toMatch(/^certwatch: set aside 1 bad item\(s\) from .*certwatch import --merge --store /);
    expect([between.code, between.stderr]).toEqual([0, '']);
    expect([imported.code, imported.stderr]).toEqual([0, `certwatch: imported 1 item(s) into ${store}\n`]);
    expect(after.stdout).toMatch(/smtp:\/\/127\.0\.0\.1:1 +active +leaf +ecdsa +2026-01-01/);
  });
});
