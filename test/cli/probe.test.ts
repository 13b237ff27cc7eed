import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Observation } from '../../lambdas/core/observation';
import { cli } from '../support/cli';
import { opensslShowCerts } from '../support/openssl';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';

describe('certwatch probe (CLI)', () => {
  let rsa: TestChain;
  let ecdsa: TestChain;
  let server: SmtpTestServer;
  let dir: string;
  let caFile: string;
  let target: string;
  let resolve: string;

  beforeAll(async () => {
    [rsa, ecdsa] = await Promise.all([
      createChain({ keyType: 'rsa', hostnames: [HOST] }),
      createChain({ keyType: 'ecdsa', hostnames: [HOST] }),
    ]);
    server = await startSmtpTestServer({
      certs: [
        { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
        { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'certwatch-cli-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, rsa.root.certPem + ecdsa.root.certPem);
    target = `smtp://${HOST}:${server.port}`;
    resolve = `${HOST}:${server.port}:127.0.0.1`;
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json prints one JSON document of observations and nothing else, exit 0', async () => {
    // Act
    const { code, stdout, stderr } = await cli(['probe', target, '--resolve', resolve, '--ca', caFile, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const observations = JSON.parse(stdout) as Observation[];
    expect(observations.map((o) => [o.keyType, o.chain[0].sha256, o.validation?.trusted])).toEqual([
      ['ecdsa', ecdsa.leaf.sha256, true],
      ['rsa', rsa.leaf.sha256, true],
    ]);
  });

  it('prints a table with the short leaf fingerprint, trust and protocol; --wide gives it in colon form', async () => {
    // Act
    const { code, stdout } = await cli(['probe', target, '--resolve', resolve, '--ca', caFile]);
    const wide = await cli(['probe', target, '--resolve', resolve, '--ca', caFile, '--wide']);

    // Assess
    expect(code).toBe(0);
    const colon = rsa.leaf.sha256.toUpperCase().match(/.{2}/g)?.join(':') ?? '';
    expect(stdout).toContain(rsa.leaf.sha256.slice(0, 16));
    expect(stdout).not.toContain(colon);
    expect(stdout).toMatch(/trusted\s+TLSv1\.3/);
    expect(stdout).toContain('2 observation(s), 0 failed');
    expect(stdout).not.toContain('\x1b[');
    expect(wide.stdout).toContain(colon);
  });

  it('--pem prints the presented chain exactly as openssl -showcerts does', async () => {
    // Act
    const { stdout } = await cli(['probe', target, '--resolve', resolve, '--key-types', 'rsa', '--pem']);
    const oracle = await opensslShowCerts({
      address: '127.0.0.1',
      port: server.port,
      mode: 'starttls',
      keyType: 'rsa',
    });

    // Assess
    const blocks = stdout.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(blocks.map((b) => Buffer.from(b.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'))).toEqual(oracle.chainDer);
  });

  it('exits 1 when a probe fails, and still reports the others', async () => {
    // Act
    const { code, stdout } = await cli(['probe', target, 'smtp://127.0.0.1:1', '--resolve', resolve, '--json']);

    // Assess
    expect(code).toBe(1);
    const observations = JSON.parse(stdout) as Observation[];
    expect(observations.filter((o) => o.ok)).toHaveLength(2);
    expect(observations.filter((o) => o.error?.code === 'CONNECT_REFUSED')).toHaveLength(2);
  });

  it.each([
    [['probe', 'https://example.com'], /scheme "https" is not supported/],
    [['probe', '--resolve', 'nonsense'], /--resolve "nonsense"/],
    [['probe', '--key-types', 'dsa'], /--key-types/],
    [['probe', '--timeout', 'soon'], /--timeout/],
    [['probe', '--ca', '/nonexistent.pem'], /--ca \/nonexistent.pem: cannot read/],
    [['probe', '--json', '--pem'], /cannot be combined/],
    [['probe', '--trust', 'everyone'], /--trust/],
    [['probe', '--no-such-option'], /unknown option/],
  ])('refuses %j with exit code 2 and a one-line message', async (argv, message) => {
    // Act
    const { code, stdout, stderr } = await cli(argv as string[]);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('runs as a real process through the package bin (bin/certwatch.js)', async () => {
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, '../../bin/certwatch.js'), 'probe', target, '--resolve', resolve, '--ca', caFile, '--json'],
      { timeout: 30_000 },
    );

    // Assess
    expect((JSON.parse(stdout) as Observation[]).every((o) => o.ok)).toBe(true);
  });
});
