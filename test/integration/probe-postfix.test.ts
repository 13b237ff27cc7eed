/**
 * certwatch against a real MTA: a private Debian Postfix with a dual RSA + ECDSA chain, probed over
 * STARTTLS and implicit TLS, with openssl as the independent oracle for what was presented.
 */
import type { KeyType, Observation } from '../../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { opensslShowCerts } from '../support/openssl';
import { createChain, type TestChain } from '../support/pki';
import { type PostfixInstance, startPostfix } from '../support/postfix';

const HOST = 'mx.certwatch.test';

describe('probing a real Postfix (dual RSA + ECDSA)', () => {
  let rsa: TestChain;
  let ecdsa: TestChain;
  let postfix: PostfixInstance;
  let observations: Observation[];

  beforeAll(async () => {
    // Prepare: Postfix sends leaf + intermediate + root for RSA, to prove "exactly as presented"
    [rsa, ecdsa] = await Promise.all([
      createChain({ keyType: 'rsa', hostnames: [HOST] }),
      createChain({ keyType: 'ecdsa', hostnames: [HOST] }),
    ]);
    postfix = await startPostfix({
      listeners: [
        { address: '127.0.0.1', port: 0, mode: 'starttls' },
        { address: '127.0.0.2', port: 0, mode: 'implicit' },
      ],
      chains: [
        { keyPem: rsa.leaf.keyPem, chainPem: rsa.chainPem + rsa.root.certPem },
        { keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem },
      ],
      hostname: HOST,
    });
    const urls = postfix.listeners.map((l) => l.url.replace(l.address, HOST));

    // Act
    observations = await new SmtpProber().probe(parseTargets(urls), {
      ...DEFAULT_PROBE_OPTIONS,
      timeoutMs: 5000,
      resolve: postfix.listeners.map((l) => ({ host: HOST, port: l.port, addresses: [l.address] })),
      extraAnchorsDer: [rsa.root.der, ecdsa.root.der],
    });
  }, 30_000);

  afterAll(async () => {
    await postfix?.stop();
  });

  it.each([
    ['starttls', 'rsa'],
    ['starttls', 'ecdsa'],
    ['implicit', 'rsa'],
    ['implicit', 'ecdsa'],
  ] as const)('over %s, the %s chain equals what openssl s_client -showcerts sees', async (mode, keyType) => {
    // Prepare
    const listener = postfix.listeners.find((l) => l.mode === mode);
    if (!listener) throw new Error(`no ${mode} listener`);
    const observation = observations.find((o) => o.mode === mode && o.keyType === keyType);

    // Act
    const oracle = await opensslShowCerts({
      address: listener.address,
      port: listener.port,
      mode,
      servername: HOST,
      keyType: keyType as KeyType,
    });

    // Assess
    expect(observation?.ok).toBe(true);
    expect(observation?.chain.map((c) => c.sha256)).toEqual(oracle.sha256);
    expect(observation?.chain).toHaveLength(keyType === 'rsa' ? 3 : 2);
    expect(observation?.tls.protocol).toBe(oracle.protocol);
    expect(observation?.validation?.trusted).toBe(true);
    expect(observation?.hostnameMatch).toBe(true);
  });

  it('records the Postfix banner and its EHLO keywords over STARTTLS', () => {
    // Assess
    const observation = observations.find((o) => o.mode === 'starttls');
    expect(observation?.smtp.banner).toContain(HOST);
    expect(observation?.smtp.ehlo).toEqual(expect.arrayContaining(['STARTTLS', 'PIPELINING']));
  });
});
