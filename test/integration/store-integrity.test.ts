import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockRecordFor } from '../../lambdas/store/dir-lock';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { stopChild } from '../support/child-process';
import { cli as certwatch, expectOneLineRefusal } from '../support/cli';
import { useLocalAwsCredentials } from '../support/local-aws-credentials';
import { snapshotTree } from '../support/tree-snapshot';
import { createPki, HOST, type Pki, type ServerPair, startPair } from './cycle-harness';

describe('embedded store integrity, export and import (in-process CLI, real loopback servers, real store)', () => {
  let pki: Pki;
  let dir: string;
  let caFile: string;
  let pair: ServerPair | undefined;
  let store: string;
  let sha: string;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    pki = await createPki('integrity');
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-integrity-'));
    caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
    const cert = await pki.leaf();
    sha = cert.chain.leaf.sha256;
    pair = await startPair(pki, cert);
    store = join(dir, 'store');
    // Two cycles: the second reopens the store, so LevelDB has written a table file.
    for (let i = 0; i < 2; i++) {
      const check = await certwatch(['check', ...probeArgs(pair), '--store', store]);
      expect(check.code).toBe(0);
    }
  });

  afterEach(async () => {
    await stopChild(holder);
    holder = undefined;
    await pair?.close();
    pair = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function probeArgs(p: ServerPair): string[] {
    return [p.target.url, '--resolve', `${HOST}:${p.port}:127.0.0.2`, '--ca', caFile, '--key-types', 'ecdsa'];
  }

  function engineFiles(pattern: RegExp): string[] {
    return readdirSync(join(store, 'dynamodb')).filter((name) => pattern.test(name));
  }

  it.each([
    ['check', () => ['check', ...probeArgs(pair as ServerPair), '--store', store]],
    ['history', () => ['history', '--store', store]],
    ['timeline', () => ['timeline', '--store', store, '--out', join(dir, 't.svg')]],
    ['export', () => ['export', '--store', store]],
  ])('refuses a store whose CURRENT file is gone (%s) and leaves every file as it was', async (_name, argv) => {
    // Prepare
    rmSync(join(store, 'dynamodb', 'CURRENT'));
    const before = snapshotTree(store);

    // Act
    const result = await certwatch(argv());

    // Assess
    expectOneLineRefusal(result, 2, /store .* is damaged \(dynamodb\/CURRENT is missing beside \d+ database file/);
    expect(snapshotTree(store)).toEqual(before);
  });

  it('refuses a store with a garbled table file, with one line and no stack trace, and changes nothing', async () => {
    // Prepare
    const [table] = engineFiles(/\.ldb$/);
    const file = join(store, 'dynamodb', table);
    const bytes = readFileSync(file);
    for (let i = 0; i < 200; i++) bytes[Math.floor(bytes.length / 3) + i] ^= 0x5a;
    writeFileSync(file, bytes);
    const before = snapshotTree(store);

    // Act
    const history = await certwatch(['history', '--store', store]);
    const check = await certwatch(['check', ...probeArgs(pair as ServerPair), '--store', store]);

    // Assess
    expectOneLineRefusal(history, 2, /is damaged .*restore it from a backup/);
    expectOneLineRefusal(check, 2, /is damaged/);
    expect(snapshotTree(store)).toEqual(before);
  });

  it.each([['check'], ['history'], ['export']])('refuses --store naming a regular file (%s)', async (command) => {
    // Prepare
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a store');
    const argv = command === 'check' ? ['check', ...probeArgs(pair as ServerPair)] : [command];

    // Act
    const result = await certwatch([...argv, '--store', file]);

    // Assess
    expectOneLineRefusal(result, 2, /plain-file is not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('not a store');
  });

  it('exports every item as JSON Lines and imports them into a new store that shows the same history', async () => {
    // Prepare
    const copy = join(dir, 'copy');

    // Act
    const exported = await certwatch(['export', '--store', store]);
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, exported.stdout);
    const imported = await certwatch(['import', file, '--store', copy]);
    const original = await certwatch(['history', '--store', store, '--json']);
    const restored = await certwatch(['history', '--store', copy, '--json']);
    const reExported = await certwatch(['export', '--store', copy]);

    // Assess
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.map((line) => JSON.parse(line).sk)).toEqual(expect.arrayContaining(['STATE', `CERT#${sha}`]));
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(new RegExp(`imported ${lines.length} item`));
    expect(JSON.parse(restored.stdout)).toEqual(JSON.parse(original.stdout));
    expect(reExported.stdout.trim().split('\n').sort()).toEqual([...lines].sort());
  });

  it('moves the history from the embedded store to a DynamoDB table and back', async () => {
    // Prepare: a DynamoDB-compatible endpoint (dynalite in memory) reached with --table/--endpoint.
    const engine = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-moved' });
    const restoreCredentials = useLocalAwsCredentials();
    const table = ['--table', 'certwatch-moved', '--endpoint', engine.endpoint];
    try {
      const exported = await certwatch(['export', '--store', store]);
      const file = join(dir, 'history.jsonl');
      writeFileSync(file, exported.stdout);

      // Act
      const imported = await certwatch(['import', file, ...table]);
      const fromTable = await certwatch(['export', ...table]);
      const back = join(dir, 'back.jsonl');
      writeFileSync(back, fromTable.stdout);
      const restored = await certwatch(['import', back, '--store', join(dir, 'back')]);
      const original = await certwatch(['history', '--store', store, '--json']);
      const roundTrip = await certwatch(['history', '--store', join(dir, 'back'), '--json']);

      // Assess
      expect(imported.code).toBe(0);
      expect(fromTable.stdout.trim().split('\n').sort()).toEqual(exported.stdout.trim().split('\n').sort());
      expect(restored.code).toBe(0);
      expect(JSON.parse(roundTrip.stdout)).toEqual(JSON.parse(original.stdout));
    } finally {
      restoreCredentials();
      await engine.close();
    }
  });

  it('refuses to import into a store that holds history unless told to merge, and merging keeps what it has', async () => {
    // Prepare
    const exported = await certwatch(['export', '--store', store]);
    const file = join(dir, 'history.jsonl');
    const extra = {
      pk: 'TARGET#smtp://elsewhere.example:25',
      sk: 'STATE',
      kind: 'STATE',
      target: 'smtp://elsewhere.example:25',
      note: 'from another store',
    };
    const changed = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((item) => (item.sk === 'STATE' ? { ...item, lastCycleAt: '1999-01-01T00:00:00.000Z' } : item));
    writeFileSync(file, `${[...changed, extra].map((item) => JSON.stringify(item)).join('\n')}\n`);

    // Act
    const refused = await certwatch(['import', file, '--store', store]);
    const merged = await certwatch(['import', file, '--store', store, '--merge']);
    const after = await certwatch(['export', '--store', store]);

    // Assess
    expectOneLineRefusal(refused, 2, /already holds history: give --merge/);
    expect(merged.code).toBe(0);
    expect(merged.stderr).toMatch(/imported 1 item\(s\).*kept \d+ it already had/);
    const items = after.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(items).toContainEqual(extra);
    expect(items.find((item) => item.sk === 'STATE' && item.pk !== extra.pk)?.lastCycleAt).not.toBe(
      '1999-01-01T00:00:00.000Z',
    );
  });

  it('never publishes an imported pending notice again', async () => {
    // Prepare: the BASELINE sits in the outbox as pending, as if its publish had failed at the source.
    const exported = await certwatch(['export', '--store', store]);
    const items = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((item) => (item.pk === 'OUTBOX' ? { ...item, status: 'pending', sentAt: null } : item));
    expect(items.some((item) => item.pk === 'OUTBOX')).toBe(true);
    const file = join(dir, 'pending.jsonl');
    writeFileSync(file, items.map((item) => JSON.stringify(item)).join('\n'));
    const copy = join(dir, 'copy');

    // Act
    const imported = await certwatch(['import', file, '--store', copy]);
    const check = await certwatch(['check', ...probeArgs(pair as ServerPair), '--store', copy, '--json']);

    // Assess
    expect(imported.stderr).toMatch(/pending notice\(s\) will not be published again/);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).published).toEqual([]);
    expect(JSON.parse(check.stdout).notices).toEqual([]);
  });

  it.each([
    ['a line that is not JSON', '{"pk":"TARGET#x","sk":"STATE","target":"x"}\nnot json\n', /line 2: not JSON/],
    ['an item without keys', '{"pk":"TARGET#x"}\n', /line 1: an item needs non-empty string keys/],
    ['an array', '[1,2]\n', /line 1: expected one item as a JSON object/],
    ['nothing', '\n\n', /no item to import/],
  ])('refuses an import file with %s and writes nothing', async (_what, text, message) => {
    // Prepare
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, text);
    const copy = join(dir, 'copy');

    // Act
    const result = await certwatch(['import', file, '--store', copy]);

    // Assess
    expectOneLineRefusal(result, 2, message);
    const empty = await certwatch(['history', '--store', copy]);
    expect(empty.stdout).toMatch(/^No history of any target in .*there is no store there yet/);
  });

  it('refuses to import a directory or a device', async () => {
    // Act
    const directory = await certwatch(['import', dir, '--store', join(dir, 'copy')]);
    const device = await certwatch(['import', '/dev/zero', '--store', join(dir, 'copy')]);

    // Assess
    expectOneLineRefusal(directory, 2, /is a directory, not a file or a pipe/);
    expectOneLineRefusal(device, 2, /is a device or socket, not a file or a pipe/);
  });

  it('finds a certificate by the 16-digit prefix the history table prints, and says when none matches', async () => {
    // Act
    const table = await certwatch(['history', '--store', store]);
    const byPrefix = await certwatch(['history', sha.slice(0, 16), '--store', store, '--json']);
    const byShortPrefix = await certwatch(['history', sha.slice(0, 8).toUpperCase(), '--store', store, '--json']);
    const none = await certwatch(['history', 'deadbeef', '--store', store]);
    const tooLong = await certwatch(['history', `${sha}00`, '--store', store]);

    // Assess
    expect(table.stdout).toContain(sha.slice(0, 16));
    for (const result of [byPrefix, byShortPrefix]) {
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout);
      expect(
        doc.targets.flatMap((t: { certificates: { sha256: string }[] }) => t.certificates.map((c) => c.sha256)),
      ).toEqual([sha]);
    }
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^No history of a certificate whose SHA-256 starts with deadbeef in /);
    expectOneLineRefusal(tooLong, 2, /has 64 hex digits, not 66/);
  });

  it('says an 8-digit prefix is ambiguous when two stored certificates share it', async () => {
    // Prepare: a second certificate item whose fingerprint shares the first 8 digits.
    const exported = await certwatch(['export', '--store', store]);
    const cert = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((item) => item.sk === `CERT#${sha}`);
    const twin = `${sha.slice(0, 8)}${'0'.repeat(56)}`;
    const file = join(dir, 'twin.jsonl');
    writeFileSync(file, JSON.stringify({ ...cert, sk: `CERT#${twin}`, gsi1pk: `FP#${twin}`, sha256: twin }));
    await certwatch(['import', file, '--store', store, '--merge']);

    // Act
    const result = await certwatch(['history', sha.slice(0, 8), '--store', store]);

    // Assess
    expectOneLineRefusal(result, 2, new RegExp(`${sha.slice(0, 8)} is ambiguous .*2 certificates start with it`));
  });

  it('waits for a cycle that holds the store to let go before reading it', async () => {
    // Prepare: another live process holds the lock for a moment.
    holder = spawn('sleep', ['0.5']);
    writeFileSync(join(store, 'certwatch.lock'), JSON.stringify(lockRecordFor(holder.pid as number)));

    // Act
    const result = await certwatch(['history', '--store', store]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(sha.slice(0, 16));
  });

  it('says clearly that the store is in use when the holder does not let go', async () => {
    // Prepare
    holder = spawn('sleep', ['60']);
    writeFileSync(join(store, 'certwatch.lock'), JSON.stringify(lockRecordFor(holder.pid as number)));

    // Act
    const result = await certwatch(['history', '--store', store]);

    // Assess
    expectOneLineRefusal(result, 2, new RegExp(`in use by another certwatch process \\(pid ${holder.pid}`));
  });
});
