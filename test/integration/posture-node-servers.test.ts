/**
 * Posture enumeration against in-process Node TLS servers with known settings: the enumeration must
 * find exactly the configured set, with `openssl ciphers` as the oracle of what a cipher string means.
 */
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { registerPostureCommand } from '../../lambdas/cli/posture-command';
import { parsePolicy } from '../../lambdas/core/posture/policy';
import type { Posture, TlsVersion } from '../../lambdas/core/posture/posture';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { enumerateEndpoint } from '../../lambdas/probe/posture/endpoint-enumeration';
import { enumeratePosture, enumeratePostureDetailed } from '../../lambdas/probe/posture/enumerate';
import { ConfigError } from '../../lambdas/settings/config-error';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, type SmtpTestServerOptions, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';
const FLAGS: Record<TlsVersion, string> = {
  'TLSv1.3': '-tls1_3',
  'TLSv1.2': '-tls1_2',
  'TLSv1.1': '-tls1_1',
  TLSv1: '-tls1',
};

/** IANA names openssl selects for a cipher string at a version (TLS 1.3 suites given separately). */
function oracle(version: TlsVersion, ciphers: string, tls13: string): string[] {
  const out = execFileSync('openssl', ['ciphers', '-stdname', '-s', FLAGS[version], '-ciphersuites', tls13, ciphers], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith('TLS_') && (version === 'TLSv1.3') === !name.includes('_WITH_'));
}

function accepted(versions: Posture['versions']): Record<TlsVersion, string[]> {
  return {
    'TLSv1.3': [...versions['TLSv1.3'].suites].sort(),
    'TLSv1.2': [...versions['TLSv1.2'].suites].sort(),
    'TLSv1.1': [...versions['TLSv1.1'].suites].sort(),
    TLSv1: [...versions.TLSv1.suites].sort(),
  };
}

describe('posture of in-process Node servers', () => {
  let rsa: TestChain;
  let ecdsa: TestChain;
  const servers: SmtpTestServer[] = [];

  const serve = async (options: Partial<SmtpTestServerOptions> & { dual?: boolean }) => {
    const certs = [{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }];
    if (options.dual) certs.push({ keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem });
    const server = await startSmtpTestServer({ certs, greeting: HOST, ...options });
    servers.push(server);
    return server;
  };
  const endpointOf = (server: SmtpTestServer) => ({
    host: HOST,
    port: server.port,
    mode: server.url.startsWith('smtps') ? ('implicit' as const) : ('starttls' as const),
    address: server.address,
  });
  const settings = { timeoutMs: 5000, handshakeBudget: 60, pauseMs: 5, rawHello: true };
  const optionsFor = (server: SmtpTestServer): ProbeOptions => ({
    ...DEFAULT_PROBE_OPTIONS,
    timeoutMs: 5000,
    resolve: [{ host: HOST, port: server.port, addresses: [server.address] }],
  });

  beforeAll(async () => {
    [rsa, ecdsa] = await Promise.all([
      createChain({ keyType: 'rsa', hostnames: [HOST] }),
      createChain({ keyType: 'ecdsa', hostnames: [HOST] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('finds exactly the TLS 1.2 and 1.3 suites of a dual-certificate server, and nothing older', async () => {
    // Prepare
    const tls12 = 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES256-SHA';
    const tls13 = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256';
    const server = await serve({
      dual: true,
      tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: `${tls13}:${tls12}` },
    });

    // Act
    const result = await enumerateEndpoint(endpointOf(server), settings);

    // Assess
    expect(result.error).toBeUndefined();
    expect(accepted(result.versions)).toEqual({
      'TLSv1.3': oracle('TLSv1.3', tls12, tls13).sort(),
      'TLSv1.2': oracle('TLSv1.2', tls12, tls13).sort(),
      'TLSv1.1': [],
      TLSv1: [],
    });
    expect(result.versions['TLSv1.2'].suites).toHaveLength(4);
    expect(result.untestable).toEqual([]);
    // Elimination, not one handshake per known suite (over a hundred): TLS 1.3 all five then four alone,
    // TLS 1.2 one per accepted suite plus refusals, TLS 1.1 and 1.0 a refusal or two. How many refusals
    // depends on the OpenSSL line (13 handshakes in all on 3.0, 14 on 3.5), so the count is not pinned.
    expect(result.handshakes).toBeGreaterThanOrEqual(5 + 4 + 1);
    expect(result.handshakes).toBeLessThanOrEqual(20);
  });

  it('finds the NULL-encryption suites a server accepts, and no-null fails on them', async () => {
    // Prepare
    const tls12 = 'ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0';
    const server = await serve({ dual: true, tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: tls12 } });

    // Act
    const [posture] = await enumeratePosture(parseTargets([`smtp://${HOST}:${server.port}`]), optionsFor(server), {
      rules: parsePolicy('no-null,no-cbc'),
      pauseMs: 0,
    });

    // Assess
    const expected = oracle('TLSv1.2', tls12, 'TLS_AES_128_GCM_SHA256').sort();
    expect(expected).toEqual([
      'TLS_ECDHE_ECDSA_WITH_NULL_SHA',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_NULL_SHA',
    ]);
    expect(accepted(posture.versions)['TLSv1.2']).toEqual(expected);
    expect(posture.policy).toEqual([
      {
        rule: 'no-null',
        ok: false,
        detail: expect.stringMatching(/^accepted: .*TLS_RSA_WITH_NULL_SHA at TLSv1\.2/),
      },
      { rule: 'no-cbc', ok: true, detail: 'no CBC-mode suite accepted' },
    ]);
    expect(posture.policy?.[0].detail).toContain('TLS_ECDHE_ECDSA_WITH_NULL_SHA at TLSv1.2');
  });

  it('finds TLS 1.0 and 1.1 on a legacy-only RSA server, without the ECDSA suite it cannot serve', async () => {
    // Prepare
    const ciphers = 'ECDHE-RSA-AES256-SHA:AES128-SHA:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0';
    const server = await serve({ tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers } });

    // Act
    const result = await enumerateEndpoint(endpointOf(server), settings);

    // Assess
    const expected = oracle('TLSv1', `${ciphers}:!aECDSA`, 'TLS_AES_128_GCM_SHA256').sort();
    expect(expected).toEqual(['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA']);
    expect(accepted(result.versions)).toEqual({ 'TLSv1.3': [], 'TLSv1.2': [], 'TLSv1.1': expected, TLSv1: expected });
    expect(result.versions['TLSv1.2'].accepted).toBe(false);
  });

  it('enumerates an implicit-TLS server the same way', async () => {
    // Prepare
    const server = await serve({
      mode: 'implicit',
      tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
    });

    // Act
    const [posture] = await enumeratePosture(parseTargets([`smtps://${HOST}:${server.port}`]), optionsFor(server));

    // Assess
    expect(posture).toMatchObject({ ok: true, address: '127.0.0.1', port: server.port, host: HOST });
    expect(accepted(posture.versions)['TLSv1.2']).toEqual(['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
    expect(posture.versions['TLSv1.3'].accepted).toBe(false);
  });

  it('stops at the handshake budget and marks the entry incomplete', async () => {
    // Prepare
    const server = await serve({ dual: true });

    // Act
    const [run] = await enumeratePostureDetailed(parseTargets([`smtp://${HOST}:${server.port}`]), optionsFor(server), {
      handshakeBudget: 7,
      pauseMs: 0,
    });

    // Assess
    expect(run.handshakes).toBe(7);
    expect(run.posture.ok).toBe(false);
    expect(run.posture.error?.code).toBe('BUDGET_EXHAUSTED');
  });

  it('reports an address that refuses connections as a failed enumeration', async () => {
    // Prepare
    const server = await serve({});
    await server.close();

    // Act
    const [posture] = await enumeratePosture(parseTargets([`smtp://${HOST}:${server.port}`]), optionsFor(server), {
      rules: [{ kind: 'no-3des', text: 'no-3des' }],
    });

    // Assess
    expect(posture.ok).toBe(false);
    expect(posture.error?.code).toBe('CONNECT_REFUSED');
    expect(posture.policy).toEqual([
      { rule: 'no-3des', ok: false, detail: 'not judged: the enumeration did not finish' },
    ]);
  });
});

describe('certwatch posture (command)', () => {
  let rsa: TestChain;
  let server: SmtpTestServer;

  beforeAll(async () => {
    rsa = await createChain({ keyType: 'rsa', hostnames: [HOST] });
    server = await startSmtpTestServer({
      certs: [{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }],
      greeting: HOST,
      tls: {
        minVersion: 'TLSv1.1',
        ciphers: 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0',
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  async function runPosture(...args: string[]) {
    let stdout = '';
    const write = (text: string) => {
      stdout += text;
      return true;
    };
    const run = {
      stdout: { write } as unknown as NodeJS.WritableStream,
      stderr: process.stderr,
      exitCode: 0,
    };
    const program = new Command('certwatch').exitOverride();
    registerPostureCommand(program, run);
    const pin = `${HOST}:${server.port}:127.0.0.1`;
    await program.parseAsync(['posture', `smtp://${HOST}:${server.port}`, '--resolve', pin, '--pause', '0', ...args], {
      from: 'user',
    });
    return { stdout, exitCode: run.exitCode };
  }

  it('prints one JSON document of posture entries and exits 1 when a rule is violated', async () => {
    // Act
    const { stdout, exitCode } = await runPosture('--json', '--require', 'min-version=TLS1.2,no-3des');

    // Assess
    const entries = JSON.parse(stdout) as Posture[];
    expect(entries).toHaveLength(1);
    expect(entries[0].versions['TLSv1.1']).toEqual({ accepted: true, suites: ['TLS_RSA_WITH_AES_128_CBC_SHA'] });
    expect(entries[0].policy?.map((v) => [v.rule, v.ok])).toEqual([
      ['min-version=TLS1.2', false],
      ['no-3des', true],
    ]);
    expect(entries[0].baseline.published).toBe('2023-03');
    expect(entries[0].baseline.extraOnServer).toEqual([]);
    expect(exitCode).toBe(1);
  });

  it('exits 0 when every rule holds, and prints a summary by default', async () => {
    // Act
    const { stdout, exitCode } = await runPosture('--require', 'no-3des,no-rc4');

    // Assess
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ {2}versions: TLSv1\.3, TLSv1\.2, TLSv1\.1 \(refused: TLSv1\)$/m);
    expect(stdout).toMatch(
      /^ {2}suites: \d+ accepted; against Google's list: \d+ missing, 0 extra \(--verbose lists them\)$/m,
    );
    expect(stdout).toMatch(/^ {2}policy ok {3}no-3des: no 3DES suite accepted$/m);
    expect(stdout).not.toMatch(/MISSING \(published, not accepted\)/);
    expect(stdout).toContain('1 address(es), 0 enumeration(s) failed, 0 rule violation(s)');
  });

  it('prints every version and suite with --verbose', async () => {
    // Act
    const { stdout, exitCode } = await runPosture('--require', 'no-3des,no-rc4', '--verbose');

    // Assess
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^TLSv1\.2 +yes +TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 +published$/m);
    expect(stdout).toMatch(/^ +TLS_RSA_WITH_3DES_EDE_CBC_SHA +MISSING \(published, not accepted\)$/m);
    expect(stdout).toMatch(/^policy ok {3}no-3des: no 3DES suite accepted$/m);
    expect(stdout).toContain('1 address(es), 0 enumeration(s) failed, 0 rule violation(s)');
  });

  it('refuses an unknown rule as a configuration error (exit code 2) before any handshake', async () => {
    // Act
    const attempt = runPosture('--require', 'no-4des');

    // Assess
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/unknown rule "no-4des"/);
  });
});
