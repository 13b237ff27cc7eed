import type { Observation } from '../../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { opensslShowCerts } from '../support/openssl';
import { createChain, createRoot, type Issued, issue, type TestChain } from '../support/pki';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';
const DAY = 86_400_000;

describe('probing generated chains on real loopback servers', () => {
  let rsa: TestChain;
  let ecdsa: TestChain;
  const servers: SmtpTestServer[] = [];
  const prober = new SmtpProber();

  const serve = async (
    certs: ServerCert[],
    extra: { address?: string; port?: number; mode?: 'starttls' | 'implicit' } = {},
  ) => {
    const server = await startSmtpTestServer({ certs, ...extra });
    servers.push(server);
    return server;
  };
  const options = (server: SmtpTestServer, overrides: Partial<ProbeOptions> = {}): ProbeOptions => ({
    ...DEFAULT_PROBE_OPTIONS,
    timeoutMs: 5000,
    resolve: [{ host: HOST, port: server.port, addresses: [server.address] }],
    extraAnchorsDer: [rsa.root.der, ecdsa.root.der],
    ...overrides,
  });
  const probeOne = async (server: SmtpTestServer, overrides: Partial<ProbeOptions> = {}) => {
    const scheme = server.url.startsWith('smtps') ? 'smtps' : 'smtp';
    return prober.probe(parseTargets([`${scheme}://${HOST}:${server.port}`]), options(server, overrides));
  };
  const byKey = (observations: Observation[], keyType: string) => {
    const found = observations.find((o) => o.keyType === keyType);
    if (!found) throw new Error(`no ${keyType} observation`);
    return found;
  };

  beforeAll(async () => {
    rsa = await createChain({ keyType: 'rsa', hostnames: [HOST] });
    ecdsa = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('sees both certificates of a dual RSA+ECDSA server, each trusted, named and complete', async () => {
    // Prepare
    const server = await serve([
      { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
      { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
    ]);

    // Act
    const observations = await probeOne(server);

    // Assess
    expect(observations).toHaveLength(2);
    const r = byKey(observations, 'rsa');
    const e = byKey(observations, 'ecdsa');
    expect(r.chain.map((c) => c.sha256)).toEqual([rsa.leaf.sha256, rsa.intermediate.sha256]);
    expect(e.chain.map((c) => c.sha256)).toEqual([ecdsa.leaf.sha256, ecdsa.intermediate.sha256]);
    expect(r.chain[0].keyAlgorithm).toBe('RSA 2048');
    expect(e.chain[0].keyAlgorithm).toBe('ECDSA P-256');
    for (const o of observations) {
      expect(o).toMatchObject({ ok: true, hostnameMatch: true, mode: 'starttls', host: HOST, address: '127.0.0.1' });
      expect(o.validation).toMatchObject({ trusted: true, crossSigned: false });
      expect(o.validation?.path).toHaveLength(3);
      expect(o.smtp).toMatchObject({ starttls: true });
      expect(o.smtp.banner).toContain('ESMTP');
      expect(o.tls.protocol).toBe('TLSv1.3');
      expect(o.tls.cipher).toMatch(/^TLS_/);
    }
  });

  it('reports a single-certificate server as having no ECDSA certificate, which is not a failure', async () => {
    // Prepare
    const server = await serve([{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }]);

    // Act
    const observations = await probeOne(server);

    // Assess
    expect(byKey(observations, 'rsa').ok).toBe(true);
    expect(byKey(observations, 'ecdsa').error?.code).toBe('KEY_TYPE_UNAVAILABLE');
    expect(byKey(observations, 'ecdsa').error?.message).toMatch(/no ECDSA certificate/);
  });

  it('gets the same certificate over TLS 1.2 as over TLS 1.3, for both key types', async () => {
    // Prepare
    const certs = [
      { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
      { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
    ];
    const server = await startSmtpTestServer({ certs, tls: { maxVersion: 'TLSv1.2' } });
    servers.push(server);

    // Act
    const observations = await probeOne(server);

    // Assess
    expect(byKey(observations, 'rsa').tls.protocol).toBe('TLSv1.2');
    expect(byKey(observations, 'rsa').tls.cipher).toMatch(/^TLS_ECDHE_RSA_/);
    expect(byKey(observations, 'ecdsa').tls.cipher).toMatch(/^TLS_ECDHE_ECDSA_/);
    expect(byKey(observations, 'rsa').chain[0].sha256).toBe(rsa.leaf.sha256);
    expect(byKey(observations, 'ecdsa').chain[0].sha256).toBe(ecdsa.leaf.sha256);
  });

  it('probes implicit TLS (smtps) and reads the greeting inside TLS', async () => {
    // Prepare
    const server = await serve([{ keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem }], { mode: 'implicit' });

    // Act
    const observations = await probeOne(server, { keyTypes: ['ecdsa'] });

    // Assess
    expect(observations[0]).toMatchObject({ ok: true, mode: 'implicit', target: `smtps://${HOST}:${server.port}` });
    expect(observations[0].smtp.banner).toContain('ESMTP');
    expect(observations[0].chain[0].sha256).toBe(ecdsa.leaf.sha256);
  });

  it('probes every pinned address of a host, each with its own certificate', async () => {
    // Prepare: one "host" behind two loopback addresses on the same port, old cert on one, new on the other
    const renewed = await issue(ecdsa.intermediate, { name: HOST, keyType: 'ecdsa' });
    const first = await serve([{ keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem }], { address: '127.0.0.2' });
    await serve([{ keyPem: renewed.keyPem, chainPem: renewed.certPem + ecdsa.intermediate.certPem }], {
      address: '127.0.0.3',
      port: first.port,
    });

    // Act
    const observations = await prober.probe(parseTargets([`smtp://${HOST}:${first.port}`]), {
      ...options(first, { keyTypes: ['ecdsa'] }),
      resolve: [{ host: HOST, port: first.port, addresses: ['127.0.0.2', '127.0.0.3'] }],
    });

    // Assess
    expect(observations.map((o) => [o.address, o.chain[0]?.sha256])).toEqual([
      ['127.0.0.2', ecdsa.leaf.sha256],
      ['127.0.0.3', renewed.sha256],
    ]);
  });

  describe('records the chain exactly as presented, as openssl shows it', () => {
    let other: Issued;
    beforeAll(async () => {
      const otherRoot = await createRoot({ name: 'Unrelated Root', keyType: 'ecdsa' });
      other = await issue(otherRoot, { name: 'Unrelated CA', isCa: true, keyType: 'ecdsa' });
    });

    it.each([
      ['root included', () => [ecdsa.leaf, ecdsa.intermediate, ecdsa.root], true],
      ['wrong order', () => [ecdsa.leaf, ecdsa.root, ecdsa.intermediate], true],
      ['an extra unrelated certificate', () => [ecdsa.leaf, other, ecdsa.intermediate], true],
      ['a missing intermediate', () => [ecdsa.leaf], false],
    ])('with %s', async (_name, presented, trusted) => {
      // Prepare
      const certs = (presented as () => Issued[])();
      const server = await serve([{ keyPem: ecdsa.leaf.keyPem, chainPem: certs.map((c) => c.certPem).join('') }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'] });
      const oracle = await opensslShowCerts({
        address: server.address,
        port: server.port,
        mode: 'starttls',
        servername: HOST,
      });

      // Assess
      expect(observation.chain.map((c) => c.sha256)).toEqual(certs.map((c) => c.sha256));
      expect(observation.chain.map((c) => c.sha256)).toEqual(oracle.sha256);
      expect(observation.validation?.trusted).toBe(trusted);
      if (!trusted) expect(observation.validation?.error?.code).toBe('MISSING_INTERMEDIATE');
    });
  });

  describe('judges bad certificates and still records them in full', () => {
    it.each([
      ['expired', { notBefore: new Date(Date.now() - 100 * DAY), notAfter: new Date(Date.now() - DAY) }, 'EXPIRED'],
      [
        'not yet valid',
        { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 90 * DAY) },
        'NOT_YET_VALID',
      ],
    ])('%s', async (_name, validity, code) => {
      // Prepare
      const leaf = await issue(ecdsa.intermediate, { name: HOST, keyType: 'ecdsa', ...validity });
      const server = await serve([{ keyPem: leaf.keyPem, chainPem: leaf.certPem + ecdsa.intermediate.certPem }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'] });

      // Assess
      expect(observation.ok).toBe(true);
      expect(observation.chain[0].sha256).toBe(leaf.sha256);
      expect(observation.validation).toMatchObject({ trusted: false, error: { code } });
    });

    it('wrong host: trusted chain, hostnameMatch false', async () => {
      // Prepare
      const leaf = await issue(ecdsa.intermediate, { name: 'other.test.example', keyType: 'ecdsa' });
      const server = await serve([{ keyPem: leaf.keyPem, chainPem: leaf.certPem + ecdsa.intermediate.certPem }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'] });

      // Assess
      expect(observation.validation?.trusted).toBe(true);
      expect(observation.hostnameMatch).toBe(false);
    });

    it('--servername changes the expected name', async () => {
      // Prepare
      const leaf = await issue(ecdsa.intermediate, { name: 'other.test.example', keyType: 'ecdsa' });
      const server = await serve([{ keyPem: leaf.keyPem, chainPem: leaf.certPem + ecdsa.intermediate.certPem }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'], servername: 'other.test.example' });

      // Assess
      expect(observation.hostnameMatch).toBe(true);
    });

    it('self-signed leaf', async () => {
      // Prepare
      const self = await createRoot({ name: HOST, keyType: 'ecdsa' });
      const server = await serve([{ keyPem: self.keyPem, chainPem: self.certPem }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'] });

      // Assess
      expect(observation.chain[0].selfSigned).toBe(true);
      expect(observation.validation?.trusted).toBe(false);
    });

    it('an untrusted root without --ca', async () => {
      // Prepare
      const server = await serve([{ keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem }]);

      // Act
      const [observation] = await probeOne(server, { keyTypes: ['ecdsa'], extraAnchorsDer: [] });

      // Assess
      expect(observation.validation).toMatchObject({ trusted: false, error: { code: 'UNTRUSTED_ROOT' } });
      expect(observation.chain).toHaveLength(2);
    });
  });
});
