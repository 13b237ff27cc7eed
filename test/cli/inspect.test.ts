import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InspectResult } from '../../lambdas/cli/inspect-command';
import { cli } from '../support/cli';

const CHAINS = join(__dirname, '../fixtures/google/chains');
const SMTP_2024 = join(CHAINS, 'smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem');

describe('certwatch inspect', () => {
  it('judges the chain Google served for smtp.gmail.com in 2024 as trusted through the cross-signed GTS Root R1', async () => {
    // Act
    const { code, stdout, stderr } = await cli([
      'inspect',
      SMTP_2024,
      '--at',
      '2024-11-01',
      '--servername',
      'smtp.gmail.com',
      '--json',
    ]);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as InspectResult;
    expect(result.chain.map((c) => c.subject)).toEqual([
      'CN=smtp.gmail.com',
      'C=US, O=Google Trust Services, CN=WR2',
      'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
    ]);
    expect(result.chain[0].sha256).toBe('0ccfd3e2692b83df62db3c2f5077566cd1191b79a35b6ee984fe9d0b8428ea5d');
    expect(result.validation).toMatchObject({ trusted: true, crossSigned: true, at: '2024-11-01T00:00:00.000Z' });
    expect(result.validation.anchor).toContain('GTS Root R1');
    expect(result.hostnameMatch).toBe(true);
  });

  it('reads a chain piped on standard input, with text around it as openssl prints it', async () => {
    // Prepare
    const pem = readFileSync(SMTP_2024, 'utf8');
    const transcript = `CONNECTED(00000003)\ndepth=2 C = US, O = Google Trust Services LLC, CN = GTS Root R1\n${pem}\n---\nDONE\n`;

    // Act
    const { code, stdout } = await cli(
      ['inspect', '-', '--at', '2024-11-01', '--trust', 'google', '--json'],
      transcript,
    );

    // Assess
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as InspectResult).chain).toHaveLength(3);
  });

  it('says EXPIRED one day after the leaf expires, and exits 1', async () => {
    // Act
    const { code, stdout } = await cli(['inspect', SMTP_2024, '--at', '2025-01-14T08:37:56Z']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('NOT trusted');
    expect(stdout).toContain('EXPIRED');
  });

  it.each([
    ['garbage', 'this is not a certificate\n', /no PEM certificate found/],
    ['empty input', '', /no PEM certificate found/],
    ['a broken PEM block', '-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n', /stdin:/],
    [
      'a PEM block that is not a certificate',
      `-----BEGIN CERTIFICATE-----\n${Buffer.from('hello world, not DER').toString('base64')}\n-----END CERTIFICATE-----\n`,
      /stdin:/,
    ],
  ])('refuses %s with a clear message and exit code 2', async (_name, input, message) => {
    // Act
    const { code, stdout, stderr } = await cli(['inspect', '-'], input);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a date that is not ISO 8601', async () => {
    // Act
    const { code, stderr } = await cli(['inspect', SMTP_2024, '--at', 'yesterday']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('--at');
  });

  it('refuses a missing file', async () => {
    // Act
    const { code, stderr } = await cli(['inspect', '/nonexistent/chain.pem']);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('ENOENT');
  });
});
