import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { cli, expectOneLineRefusal } from '../support/cli';
import { certwatchProcess, certwatchShell, type ProcessOutcome } from '../support/cli-process';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { BAD_INPUT_CASES, type BadInputCase, type Fixture } from './bad-input-cases';
import { EDGE_CASES } from './bad-input-edge-cases';

const HOST = 'mx.test.example';
const run = promisify(execFile);

/** One line on stderr, exit 2, nothing on stdout, no trace of a stack. */
function expectUsageLine(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expectOneLineRefusal(result, 2, message);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^certwatch: /);
}

describe('bad input through the real CLI: one clear line, exit 2, nothing sent', () => {
  let chain: TestChain;
  let server: SmtpTestServer;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    chain = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
    server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
    dir = mkdtempSync(join(tmpdir(), 'certwatch-bad-input-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, chain.root.certPem);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [['probe', 'smtp://mx.example.com:99999'], /port 99999 is out of range \(port must be 1-65535\)/],
    [['probe', 'smtp://mx.example.com:0'], /port 0 is out of range/],
    [['probe', 'smtp://mx.example.com:25x'], /port "25x" is not a number/],
    [['probe', 'smtp://2001:db8::1'], /IPv6 address is written in brackets/],
    [['probe', 'smtp://bü..jp'], /"bü\.\.jp" \(A-label "xn--b-eha\.\.jp"\) is not a valid host name/],
    [['probe', 'smtp://exa mple.com'], /"exa mple\.com" is not a valid host name/],
    [
      ['probe', 'smtp://mx.example.com', '--ehlo', 'x\r\nMAIL FROM:<a@b>'],
      /--ehlo "x\\r\\nMAIL FROM:<a@b>": expected a domain/,
    ],
    [['probe', 'smtp://mx.example.com', '--ehlo', 'two words'], /--ehlo "two words": expected a domain/],
    [['probe', 'smtp://mx.example.com', '--ehlo', '[300.1.1.1]'], /expected a domain .* or an address literal/],
    [['inspect', '/dev/zero'], /\/dev\/zero: is a device or socket, not a file or a pipe/],
    [['inspect', '/'], /\/: is a directory, not a file or a pipe/],
    [['inspect', '/no/such/file.pem'], /cannot read \(ENOENT\)/],
  ])('%j', async (argv, message) => {
    // Act
    const result = await cli(argv);

    // Assess
    expectUsageLine(result, message);
  });

  it('cuts a 10,000-character host in its message', async () => {
    // Act
    const result = await cli(['probe', `smtp://${'a'.repeat(10_000)}.example`]);

    // Assess
    expectUsageLine(result, /…" \(10015 characters\): longer than 2048 characters/);
    expect(result.stderr.length).toBeLessThan(200);
  });

  it('probes an internationalized name under its A-label', async () => {
    // Act: nothing answers for that name here (a pin to a closed port), but it parses and is probed.
    const result = await cli([
      'probe',
      'smtp://bücher.例え.jp:2',
      '--resolve',
      'xn--bcher-kva.xn--r8jz45g.jp:2:127.0.0.1',
      '--json',
      '--timeout',
      '2000',
    ]);

    // Assess
    const [observation] = JSON.parse(result.stdout);
    expect(observation.target).toBe('smtp://xn--bcher-kva.xn--r8jz45g.jp:2');
    expect(observation.error.code).toBe('CONNECT_REFUSED');
    expect(result.stderr).toBe('');
  });

  it('accepts a bare address as --ehlo (sent as its address literal)', async () => {
    // Act
    const result = await cli([
      'probe',
      `smtp://${HOST}:${server.port}`,
      '--resolve',
      `${HOST}:${server.port}:127.0.0.1`,
      '--ca',
      caFile,
      '--key-types',
      'ecdsa',
      '--ehlo',
      '192.0.2.7',
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)[0].ok).toBe(true);
  });

  it('reports a --resolve entry that no target used, on one stderr line, and still probes', async () => {
    // Act
    const result = await cli([
      'probe',
      `smtp://${HOST}:${server.port}`,
      '--resolve',
      `${HOST}:${server.port}:127.0.0.1`,
      '--resolve',
      `${HOST}:2525:127.0.0.9`,
      '--ca',
      caFile,
      '--key-types',
      'ecdsa',
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`certwatch: --resolve ${HOST}:2525:127.0.0.9 was not used: no target is ${HOST}:2525\n`);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });

  describe('inspect reads pipes with the cap enforced while reading', () => {
    let writer: ChildProcess | undefined;

    afterEach(() => {
      writer?.kill();
      writer = undefined;
    });

    it('stops a pipe that never ends at the cap', async () => {
      // Prepare: a named pipe fed from /dev/zero, as `inspect <(cat /dev/zero)` would be.
      const fifo = join(dir, 'endless');
      await run('mkfifo', [fifo]);
      writer = spawn('sh', ['-c', `cat /dev/zero > ${fifo}`], { stdio: 'ignore' });

      // Act
      const result = await cli(['inspect', fifo]);

      // Assess
      expectUsageLine(result, /endless: larger than 4194304 bytes/);
    });

    it('reads a chain from a pipe', async () => {
      // Prepare
      const fifo = join(dir, 'chain');
      await run('mkfifo', [fifo]);
      writer = spawn('sh', ['-c', `cat ${join(dir, 'ca.pem')} > ${fifo}`], { stdio: 'ignore' });

      // Act
      const result = await cli(['inspect', fifo, '--json']);

      // Assess
      expect(JSON.parse(result.stdout).chain).toHaveLength(1);
    });
  });

  it('says on a terminal that it waits for PEM on standard input, then reads it', async () => {
    // Prepare: a pseudo-terminal from util-linux `script`; Ctrl-D is typed once the hint is shown.
    const bin = join(__dirname, '../../bin/certwatch.js');
    const terminal = spawn('script', ['-q', '-e', '-c', `node ${bin} inspect`, '/dev/null'], {
      env: { ...process.env, TERM: 'dumb' },
    });
    let screen = '';

    // Act
    const code = await new Promise<number | null>((done) => {
      terminal.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString('utf8');
        if (screen.includes('standard input')) terminal.stdin.write('\x04');
      });
      terminal.on('close', done);
    });

    // Assess
    expect(screen).toMatch(/certwatch: reading a PEM chain from standard input \(end with Ctrl-D; or give a file\)/);
    expect(screen).toMatch(/certwatch: stdin: no PEM certificate found/);
    expect(code).toBe(2);
  });
});

/** Every file under `dir` with the SHA-256 of its bytes: "left as it was" means this map is equal. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[path.slice(dir.length)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

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
    expect([base.code, failing.code]).toEqual([0, 1]);
    const exported = await certwatchProcess(['export', '--store', stores.base]);
    const baseItems = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
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
      const before = step.store ? snapshot(step.store) : {};

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
      else if (step.store && !c.writes) expect(snapshot(step.store)).toEqual(before);
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
