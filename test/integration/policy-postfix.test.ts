/**
 * Consumer policy against a real Postfix (Debian's, private instance on loopback): a dual RSA + ECDSA
 * server judged by DANE-EE records, then re-keyed with `postfix reload` as an operator would.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { parsePolicyDocument } from '../../lambdas/core/policy/parse';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTarget } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { createChain, createRoot, type Issued, type TestChain } from '../support/pki';
import { type PostfixInstance, startPostfix } from '../support/postfix';

const HOST = 'mx.certwatch.test';

const spkiHex = (issued: Issued) =>
  createHash('sha256')
    .update(new X509Certificate(issued.der).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
const served = (chain: TestChain) => ({ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem });

describe('consumer policy on a real Postfix', () => {
  let postfix: PostfixInstance | undefined;
  let root: Issued;
  let rsa: TestChain;
  let ecdsa: TestChain;

  beforeAll(async () => {
    root = await createRoot({ name: 'Policy Postfix Root', keyType: 'ecdsa' });
    [rsa, ecdsa] = await Promise.all([
      createChain({ keyType: 'rsa', hostnames: [HOST], root, tag: 'policy-postfix-rsa' }),
      createChain({ keyType: 'ecdsa', hostnames: [HOST], root, tag: 'policy-postfix-ecdsa' }),
    ]);
    postfix = await startPostfix({
      listeners: [{ address: '127.0.0.2', port: 0, mode: 'starttls' }],
      chains: [served(rsa), served(ecdsa)],
    });
  }, 60_000);

  afterAll(async () => {
    await postfix?.stop();
  });

  it('TLSA 3 1 1 of both keys holds, and after a re-key of the ECDSA leaf (postfix reload) only RSA passes', async () => {
    // Prepare
    const { port } = (postfix as PostfixInstance).listeners[0];
    const target = parseTarget(`smtp://${HOST}:${port}`);
    const policy = parsePolicyDocument(
      { policies: [{ targets: [target.url], tlsa: [`3 1 1 ${spkiHex(rsa.leaf)}`, `3 1 1 ${spkiHex(ecdsa.leaf)}`] }] },
      { source: 'policy.json' },
    );
    const options: ProbeOptions = {
      ...DEFAULT_PROBE_OPTIONS,
      timeoutMs: 5000,
      resolve: [{ host: HOST, port, addresses: ['127.0.0.2'] }],
      extraAnchorsDer: [new Uint8Array(root.der)],
      ehloName: 'certwatch.test',
      policy,
    };
    const rekeyed = await createChain({ keyType: 'ecdsa', hostnames: [HOST], root, tag: 'policy-postfix-ecdsa-2' });
    const verdicts = async () =>
      Object.fromEntries(
        (await new SmtpProber().probe([target], options)).map((o) => [o.keyType, o.consumerPolicy?.ok]),
      );

    // Act
    const before = await verdicts();
    await (postfix as PostfixInstance).reconfigure({ chains: [served(rsa), served(rekeyed)] });
    const observations = await new SmtpProber().probe([target], options);

    // Assess
    expect(before).toEqual({ rsa: true, ecdsa: true });
    const after = Object.fromEntries(observations.map((o) => [o.keyType, o.consumerPolicy]));
    expect(after.rsa?.ok).toBe(true);
    expect(after.ecdsa?.ok).toBe(false);
    expect(after.ecdsa?.rules[0].remedy?.tlsa?.[0]).toBe(`3 1 1 ${spkiHex(rekeyed.leaf)}`);
  });
});
