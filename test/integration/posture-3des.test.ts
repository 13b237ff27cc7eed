/**
 * The raw-ClientHello path against a server that really accepts 3DES (GnuTLS; Debian's OpenSSL has
 * none), with `gnutls-cli -l --priority` as the oracle of what the server was configured to accept.
 */
import { suiteByCode } from '../../lambdas/core/posture/cipher-suites';
import { parsePolicy } from '../../lambdas/core/posture/policy';
import type { Posture, TlsVersion } from '../../lambdas/core/posture/posture';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { enumeratePostureDetailed } from '../../lambdas/probe/posture/enumerate';
import { createChain } from '../support/pki';
import { type GnutlsStartTlsServer, gnutlsPriorityList, startGnutlsStartTls } from './posture-gnutls-server';

const HOST = 'mx.test.example';
const PRIORITY = 'NORMAL:+3DES-CBC:+VERS-TLS1.0:+RSA';
const THREE_DES = 'TLS_RSA_WITH_3DES_EDE_CBC_SHA';

const GNUTLS_VERSIONS: Record<string, TlsVersion> = {
  'VERS-TLS1.3': 'TLSv1.3',
  'VERS-TLS1.2': 'TLSv1.2',
  'VERS-TLS1.1': 'TLSv1.1',
  'VERS-TLS1.0': 'TLSv1',
};

/** What the priority string lets an RSA-certificate server accept, per version, by IANA name. */
function expectedForRsaServer(): Record<TlsVersion, string[]> {
  const { suites, protocols } = gnutlsPriorityList(PRIORITY);
  const enabled = protocols.map((p) => GNUTLS_VERSIONS[p]).filter(Boolean);
  const expected: Record<TlsVersion, string[]> = { 'TLSv1.3': [], 'TLSv1.2': [], 'TLSv1.1': [], TLSv1: [] };
  for (const suite of suites) {
    const tls13 = suite.minVersion === 'TLS1.3';
    // An RSA certificate serves RSA, ECDHE_RSA and DHE_RSA key exchange; TLS 1.3 suites name none.
    if (!tls13 && !/^TLS_(RSA|ECDHE_RSA|DHE_RSA)_/.test(suite.name)) continue;
    const iana = suiteByCode(suite.code)?.iana ?? `unknown ${suite.name}`;
    const versions: TlsVersion[] = tls13
      ? ['TLSv1.3']
      : suite.minVersion === 'TLS1.2'
        ? ['TLSv1.2']
        : ['TLSv1.2', 'TLSv1.1', 'TLSv1'];
    for (const version of versions) if (enabled.includes(version)) expected[version].push(iana);
  }
  for (const version of Object.keys(expected) as TlsVersion[]) expected[version].sort();
  return expected;
}

function accepted(posture: Posture): Record<TlsVersion, string[]> {
  const sorted = (version: TlsVersion) => [...posture.versions[version].suites].sort();
  return {
    'TLSv1.3': sorted('TLSv1.3'),
    'TLSv1.2': sorted('TLSv1.2'),
    'TLSv1.1': sorted('TLSv1.1'),
    TLSv1: sorted('TLSv1'),
  };
}

describe('posture of a 3DES-capable GnuTLS server behind STARTTLS', () => {
  let server: GnutlsStartTlsServer;
  let options: ProbeOptions;

  beforeAll(async () => {
    const rsa = await createChain({ keyType: 'rsa', hostnames: [HOST] });
    server = await startGnutlsStartTls({ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem, priority: PRIORITY });
    options = {
      ...DEFAULT_PROBE_OPTIONS,
      timeoutMs: 5000,
      resolve: [{ host: HOST, port: server.port, addresses: ['127.0.0.1'] }],
    };
  });

  afterAll(async () => {
    await server?.close();
  });

  const enumerate = (rawHello: boolean) =>
    enumeratePostureDetailed(parseTargets([`smtp://${HOST}:${server.port}`]), options, {
      rawHello,
      pauseMs: 5,
      rules: parsePolicy('no-3des,min-version=TLS1.2'),
    });

  it('finds exactly the suites the priority string enables, 3DES included through the raw ClientHello', async () => {
    // Prepare
    const expected = expectedForRsaServer();

    // Act
    const [run] = await enumerate(true);

    // Assess
    expect(run.posture.ok).toBe(true);
    expect(accepted(run.posture)).toEqual(expected);
    for (const version of ['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const) {
      expect(run.posture.versions[version].suites).toContain(THREE_DES);
    }
    expect(run.posture.untestable).toEqual([]);
    expect(run.posture.baseline.missingOnServer.map((m) => m.suite)).not.toContain(THREE_DES);
    expect(run.posture.policy?.map((v) => [v.rule, v.ok])).toEqual([
      ['no-3des', false],
      ['min-version=TLS1.2', false],
    ]);
    expect(run.handshakes).toBeLessThanOrEqual(60);
  });

  it('without the raw ClientHello, reports 3DES as untestable here, never as rejected', async () => {
    // Act
    const [run] = await enumerate(false);

    // Assess
    const { posture } = run;
    expect(posture.ok).toBe(true);
    const untestable3des = posture.untestable.filter((u) => u.suite === THREE_DES);
    expect(untestable3des.map((u) => u.version)).toEqual(['TLSv1.2', 'TLSv1.1', 'TLSv1']);
    expect(untestable3des[0].reason).toMatch(/not offered by this OpenSSL build .*removed algorithm/);
    for (const version of ['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const) {
      expect(posture.versions[version].suites).not.toContain(THREE_DES);
    }
    expect(posture.baseline.missingOnServer.map((m) => m.suite)).not.toContain(THREE_DES);
    expect(posture.policy?.[0]).toMatchObject({ rule: 'no-3des', ok: false });
    expect(posture.policy?.[0].detail).toMatch(/^cannot tell: not testable here/);
  });
});
