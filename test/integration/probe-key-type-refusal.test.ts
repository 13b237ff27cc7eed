import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyType, Observation } from '../../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { type Aiosmtpd, startAiosmtpd } from '../support/aiosmtpd';
import { type HangUp, type HangUpProxy, startHangUpProxy } from '../support/hang-up-proxy';
import { createChain, type TestChain } from '../support/pki';
import { type PostfixInstance, startPostfix } from '../support/postfix';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';

/**
 * How servers without a certificate of the asked key type refuse it, on whichever OpenSSL line runs the
 * tests (3.0 with Node 20, 3.5 with Node 24; `.ci/run` runs both): OpenSSL and GnuTLS servers answer
 * alert 40, a Python asyncio server (aiosmtpd) hangs up before any TLS reply.
 */
describe(`a server without a certificate of the asked key type (OpenSSL ${process.versions.openssl})`, () => {
  let rsa: TestChain;
  let dir: string;
  const closers: Array<() => Promise<void>> = [];
  const prober = new SmtpProber();

  const probe = (
    endpoints: Array<{ address: string; port: number; mode: 'starttls' | 'implicit' }>,
    keyTypes: KeyType[] = ['rsa', 'ecdsa'],
  ) =>
    prober.probe(
      parseTargets(endpoints.map((e) => `${e.mode === 'implicit' ? 'smtps' : 'smtp'}://${HOST}:${e.port}`)),
      {
        ...DEFAULT_PROBE_OPTIONS,
        keyTypes,
        timeoutMs: 10_000,
        resolve: endpoints.map((e) => ({ host: HOST, port: e.port, addresses: [e.address] })),
        extraAnchorsDer: [rsa.root.der],
      },
    );
  const byKey = (observations: Observation[], keyType: KeyType) => {
    const found = observations.filter((o) => o.keyType === keyType);
    if (found.length === 0) throw new Error(`no ${keyType} observation`);
    return found;
  };
  const rsaOnlyNodeServer = async (mode: 'starttls' | 'implicit') => {
    const server: SmtpTestServer = await startSmtpTestServer({
      certs: [{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }],
      mode,
    });
    closers.push(() => server.close());
    return server;
  };
  const behindProxy = async (server: SmtpTestServer, hangUp: HangUp) => {
    const proxy: HangUpProxy = await startHangUpProxy(server, hangUp);
    closers.push(() => proxy.close());
    return proxy;
  };

  beforeAll(async () => {
    rsa = await createChain({ keyType: 'rsa', hostnames: [HOST] });
    dir = await mkdtemp(join(tmpdir(), 'certwatch-refusal-'));
    await writeFile(join(dir, 'rsa.pem'), rsa.chainPem);
    await writeFile(join(dir, 'rsa.key'), rsa.leaf.keyPem);
  });

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(['starttls', 'implicit'] as const)(
    'an RSA-only Node server refuses the ECDSA probe with alert 40: KEY_TYPE_UNAVAILABLE over %s',
    async (mode) => {
      // Prepare
      const server = await rsaOnlyNodeServer(mode);

      // Act
      const observations = await probe([{ ...server, mode }]);

      // Assess
      expect(byKey(observations, 'rsa')[0]).toMatchObject({ ok: true });
      expect(byKey(observations, 'ecdsa')[0].error).toEqual({
        code: 'KEY_TYPE_UNAVAILABLE',
        message: 'no ECDSA certificate on this server (it refused the ECDSA handshake: alert 40 handshake_failure)',
      });
    },
  );

  it.each([
    ['close', 'closed the connection'],
    ['reset', 'reset the connection'],
  ] as const)(
    'a server that hangs up (%s) on the ECDSA hello, while RSA succeeds, has no ECDSA certificate',
    async (hangUp, said) => {
      // Prepare
      const server = await rsaOnlyNodeServer('implicit');
      const proxy = await behindProxy(server, hangUp);

      // Act
      const observations = await probe([{ ...proxy, mode: 'implicit' }]);

      // Assess
      expect(proxy.hangUps).toBe(1);
      expect(byKey(observations, 'rsa')[0]).toMatchObject({ ok: true });
      expect(byKey(observations, 'ecdsa')[0].error?.code).toBe('KEY_TYPE_UNAVAILABLE');
      expect(byKey(observations, 'ecdsa')[0].error?.message).toContain(said);
    },
  );

  it('a hang-up with no key type answering is a failed handshake, said as a close, not a reset', async () => {
    // Prepare
    const server = await rsaOnlyNodeServer('implicit');
    const proxy = await behindProxy(server, 'close');

    // Act
    const [observation] = await probe([{ ...proxy, mode: 'implicit' }], ['ecdsa']);

    // Assess
    expect(observation.error?.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(observation.error?.message).toMatch(/closed the connection during the TLS handshake, before any TLS reply/);
    expect(observation.error?.message).toMatch(/may hold no ECDSA certificate/);
    expect(observation.error?.message).not.toMatch(/reset/);
  });

  it('a server that hangs up after it began to answer one key type has failed that handshake, not lost a key type', async () => {
    // Prepare: a dual-certificate server whose first connection dies 10 bytes into its answer
    const ecdsa = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
    const server = await startSmtpTestServer({
      certs: [
        { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem },
        { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
      ],
      mode: 'implicit',
    });
    closers.push(() => server.close());
    const proxy = await behindProxy(server, 'close-mid-hello');

    // Act
    const observations = await probe([{ ...proxy, mode: 'implicit' }]);

    // Assess: whichever key type came first failed; the other answered
    expect(proxy.hangUps).toBe(1);
    expect(observations.filter((o) => o.ok)).toHaveLength(1);
    const failed = observations.find((o) => !o.ok);
    expect(failed?.error?.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(failed?.error?.message).toMatch(/closed the connection during the TLS handshake$/);
  });

  it('an RSA-only Postfix refuses the ECDSA probe: KEY_TYPE_UNAVAILABLE over STARTTLS and implicit TLS', async () => {
    // Prepare
    const postfix: PostfixInstance = await startPostfix({
      listeners: [
        { address: '127.0.0.1', port: 0, mode: 'starttls' },
        { address: '127.0.0.2', port: 0, mode: 'implicit' },
      ],
      chains: [{ keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem }],
      hostname: HOST,
    });
    closers.push(() => postfix.stop());

    // Act
    const observations = await probe(postfix.listeners.map((l) => ({ ...l, mode: l.mode as 'starttls' | 'implicit' })));

    // Assess
    expect(byKey(observations, 'rsa').map((o) => o.ok)).toEqual([true, true]);
    expect(byKey(observations, 'ecdsa').map((o) => o.error?.code)).toEqual([
      'KEY_TYPE_UNAVAILABLE',
      'KEY_TYPE_UNAVAILABLE',
    ]);
  });

  it.each(['starttls', 'implicit'] as const)(
    'an RSA-only aiosmtpd closes on the ECDSA hello: KEY_TYPE_UNAVAILABLE over %s',
    async (mode) => {
      // Prepare
      const server: Aiosmtpd = await startAiosmtpd({
        certFile: join(dir, 'rsa.pem'),
        keyFile: join(dir, 'rsa.key'),
        mode,
      });
      closers.push(() => server.close());

      // Act
      const observations = await probe([{ ...server, mode }]);

      // Assess
      const [r] = byKey(observations, 'rsa');
      expect(r).toMatchObject({ ok: true });
      expect(r.chain[0].sha256).toBe(rsa.leaf.sha256);
      expect(byKey(observations, 'ecdsa')[0].error).toMatchObject({
        code: 'KEY_TYPE_UNAVAILABLE',
        message: expect.stringContaining('closed the connection'),
      });
    },
  );
});
