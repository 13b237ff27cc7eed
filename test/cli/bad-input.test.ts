/**
 * Bad input through the CLI in-process: a refused target, option or --ehlo in one clear line (exit 2,
 * nothing sent), names under their A-label, unused --resolve entries, and inspect's reads of pipes and
 * terminals with their cap. The table of issue #26's cases through the built CLI, store left as it was:
 * bad-input-process.test.ts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from '../support/child-process';
import { cli, expectOneLineRefusal } from '../support/cli';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

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

    afterEach(async () => {
      await stopChild(writer);
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
