import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { KeyType } from '../../lambdas/core/observation';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';
import { nodeTrustStore } from '../../lambdas/trust/trust-stores';
import { createRoot, generateKeys, type Issued, issue } from '../support/pki';

const DAY = 86_400_000;
const NOW = new Date();
const days = (n: number) => new Date(NOW.getTime() + n * DAY);
const parse = (...issued: Issued[]) => issued.map((i) => Certificate.fromDer(i.der));

describe.each<KeyType>(['rsa', 'ecdsa'])('validateChain with %s chains', (keyType) => {
  let root: Issued;
  let intermediate: Issued;
  let leaf: Issued;
  let trust: TrustStore;

  beforeAll(async () => {
    root = await createRoot({ name: `Root ${keyType}`, keyType });
    intermediate = await issue(root, { name: `Intermediate ${keyType}`, isCa: true, keyType });
    leaf = await issue(intermediate, {
      name: 'mail.example.com',
      sans: ['mail.example.com', '*.mx.example.com', '192.0.2.25'],
    });
    trust = TrustStore.fromPem(root.certPem, 'test');
  });

  test('trusts a leaf and intermediate that chain to a trusted root', async () => {
    // Act
    const result = await validateChain(parse(leaf, intermediate), { trust, at: NOW, servername: 'mail.example.com' });

    // Assess
    expect(result).toEqual({
      validation: {
        trusted: true,
        path: [leaf.sha256, intermediate.sha256, root.sha256],
        anchor: `CN=Root ${keyType}, O=certwatch tests`,
        anchorSha256: root.sha256,
        crossSigned: false,
        at: NOW.toISOString(),
      },
      hostnameMatch: true,
    });
  });

  test.each([
    ['the root included', (l: Issued, i: Issued, r: Issued) => [l, i, r]],
    ['the intermediates in the wrong order', (l: Issued, i: Issued, r: Issued) => [l, r, i]],
    ['the leaf repeated', (l: Issued, i: Issued) => [l, i, l]],
  ])('trusts the same path with %s', async (_label, arrange) => {
    // Act
    const { validation } = await validateChain(parse(...arrange(leaf, intermediate, root)), { trust, at: NOW });

    // Assess
    expect(validation.trusted).toBe(true);
    expect(validation.path).toEqual([leaf.sha256, intermediate.sha256, root.sha256]);
  });

  test('ignores an extra unrelated certificate', async () => {
    // Prepare
    const stranger = await createRoot({ name: 'Unrelated', keyType });

    // Act
    const { validation } = await validateChain(parse(leaf, stranger, intermediate), { trust, at: NOW });

    // Assess
    expect(validation.trusted).toBe(true);
    expect(validation.path).not.toContain(stranger.sha256);
  });

  test('reports an expired leaf as EXPIRED, naming it', async () => {
    // Prepare
    const old = await issue(intermediate, { name: 'old.example.com', notBefore: days(-90), notAfter: days(-1) });

    // Act
    const { validation } = await validateChain(parse(old, intermediate), { trust, at: NOW });

    // Assess
    expect(validation).toMatchObject({
      trusted: false,
      error: { code: 'EXPIRED', message: expect.stringContaining("leaf 'CN=old.example.com'") },
    });
    expect(validation.path).toEqual([old.sha256, intermediate.sha256, root.sha256]);
  });

  test('reports a leaf not yet valid as NOT_YET_VALID', async () => {
    // Prepare
    const early = await issue(intermediate, { name: 'early.example.com', notBefore: days(1), notAfter: days(90) });

    // Act
    const { validation } = await validateChain(parse(early, intermediate), { trust, at: NOW });

    // Assess
    expect(validation.error?.code).toBe('NOT_YET_VALID');
  });

  test('reports an expired intermediate as EXPIRED, naming the intermediate', async () => {
    // Prepare
    const lapsed = await issue(root, { name: 'Lapsed CA', isCa: true, notBefore: days(-400), notAfter: days(-1) });
    const child = await issue(lapsed, { name: 'child.example.com', notBefore: days(-2), notAfter: days(30) });

    // Act
    const { validation } = await validateChain(parse(child, lapsed), { trust, at: NOW });

    // Assess
    expect(validation.error).toEqual({
      code: 'EXPIRED',
      message: expect.stringContaining("intermediate 'CN=Lapsed CA, O=certwatch tests'"),
    });
  });

  test('changes the verdict with the explicit validation time', async () => {
    // Prepare
    const chain = parse(leaf, intermediate);
    const after = new Date(chain[0].notAfter.getTime() + DAY);
    const before = new Date(chain[0].notBefore.getTime() - DAY);

    // Act
    const verdicts = await Promise.all([NOW, after, before].map((at) => validateChain(chain, { trust, at })));

    // Assess
    expect(verdicts.map((v) => v.validation.error?.code ?? 'OK')).toEqual(['OK', 'EXPIRED', 'NOT_YET_VALID']);
    expect(verdicts[1].validation.at).toBe(after.toISOString());
  });

  test.each([
    ['mail.example.com', true],
    ['MAIL.Example.COM.', true],
    ['a.mx.example.com', true],
    ['mx.example.com', false],
    ['a.b.mx.example.com', false],
    ['smtp.example.org', false],
    ['192.0.2.25', true],
    ['192.0.2.26', false],
  ])('matches the host name %s: %s, and still reports the chain', async (servername, expected) => {
    // Act
    const result = await validateChain(parse(leaf, intermediate), { trust, at: NOW, servername });

    // Assess
    expect(result.hostnameMatch).toBe(expected);
    expect(result.validation.trusted).toBe(true);
  });

  test('gives no host name verdict without a servername', async () => {
    expect((await validateChain(parse(leaf, intermediate), { trust, at: NOW })).hostnameMatch).toBeNull();
  });

  test('reports a self-signed leaf as SELF_SIGNED_LEAF, and trusts it once pinned', async () => {
    // Prepare
    const self = await createRoot({ name: 'self.example.com', keyType });

    // Act
    const alone = await validateChain(parse(self), { trust, at: NOW });
    const pinned = await validateChain(parse(self), { trust: trust.withExtra(self.certPem), at: NOW });

    // Assess
    expect(alone.validation).toMatchObject({
      trusted: false,
      path: [],
      anchor: null,
      error: { code: 'SELF_SIGNED_LEAF' },
    });
    expect(pinned.validation).toMatchObject({ trusted: true, path: [self.sha256], anchorSha256: self.sha256 });
  });

  test('reports a leaf served without its intermediate as MISSING_INTERMEDIATE', async () => {
    // Act
    const { validation } = await validateChain(parse(leaf), { trust, at: NOW });

    // Assess
    expect(validation.error).toEqual({
      code: 'MISSING_INTERMEDIATE',
      message: expect.stringContaining(
        `issuer 'CN=Intermediate ${keyType}, O=certwatch tests' of leaf 'CN=mail.example.com'`,
      ),
    });
  });

  test('reports a same-named intermediate with another key as MISSING_INTERMEDIATE', async () => {
    // Prepare
    const impostor = await issue(root, { name: `Intermediate ${keyType}`, isCa: true, keyType });

    // Act
    const { validation } = await validateChain(parse(leaf, impostor), { trust, at: NOW });

    // Assess
    expect(validation.error?.code).toBe('MISSING_INTERMEDIATE');
  });

  test('reports a tampered signature as BAD_SIGNATURE, naming the certificate', async () => {
    // Prepare
    const tampered = Buffer.from(leaf.der);
    tampered[tampered.length - 1] ^= 0x01;

    // Act
    const { validation } = await validateChain([Certificate.fromDer(tampered), ...parse(intermediate)], {
      trust,
      at: NOW,
    });

    // Assess
    expect(validation.error).toEqual({
      code: 'BAD_SIGNATURE',
      message: expect.stringContaining("leaf 'CN=mail.example.com'"),
    });
  });

  test('reports a root missing from the trust store as UNTRUSTED_ROOT', async () => {
    // Act
    const withRoot = await validateChain(parse(leaf, intermediate, root), { trust: nodeTrustStore(), at: NOW });
    const withoutRoot = await validateChain(parse(leaf, intermediate), { trust: nodeTrustStore(), at: NOW });

    // Assess
    expect(withRoot.validation.error).toEqual({
      code: 'UNTRUSTED_ROOT',
      message: expect.stringContaining(`root 'CN=Root ${keyType}`),
    });
    expect(withoutRoot.validation.error?.code).toBe('UNTRUSTED_ROOT');
  });

  test('refuses a path through a certificate that is not a CA', async () => {
    // Prepare
    const below = await issue(leaf, { name: 'below.example.com' });

    // Act
    const { validation } = await validateChain(parse(below, leaf, intermediate), { trust, at: NOW });

    // Assess
    expect(validation.error).toEqual({
      code: 'INVALID_CHAIN',
      message: expect.stringContaining("'CN=mail.example.com' is not a CA"),
    });
  });

  test('reports an expired trust anchor as EXPIRED_ANCHOR', async () => {
    // Prepare
    const oldRoot = await createRoot({ name: 'Old Root', keyType, notBefore: days(-800), notAfter: days(-10) });
    const ca = await issue(oldRoot, { name: 'Under Old Root', isCa: true, notBefore: days(-30), notAfter: days(300) });
    const server = await issue(ca, { name: 'mx.example.net' });

    // Act
    const { validation } = await validateChain(parse(server, ca), {
      trust: TrustStore.fromPem(oldRoot.certPem, 'old'),
      at: NOW,
    });

    // Assess
    expect(validation.error).toEqual({
      code: 'EXPIRED_ANCHOR',
      message: expect.stringContaining("'CN=Old Root, O=certwatch tests'"),
    });
  });
});

describe('validateChain with cross-signed roots', () => {
  test('ends the path at a trusted root that a presented cross-certificate stands for', async () => {
    // Prepare
    const oldRoot = await createRoot({ name: 'Legacy Root' });
    const newRoot = await createRoot({ name: 'Modern Root' });
    const cross = await issue(oldRoot, { name: 'Modern Root', isCa: true, keys: newRoot.keys, notAfter: days(365) });
    const ca = await issue(newRoot, { name: 'Modern CA', isCa: true });
    const server = await issue(ca, { name: 'mx.example.com' });
    const chain = parse(server, ca, cross);

    // Act
    const viaNew = await validateChain(chain, { trust: TrustStore.fromPem(newRoot.certPem, 'new'), at: NOW });
    const viaOld = await validateChain(chain, { trust: TrustStore.fromPem(oldRoot.certPem, 'old'), at: NOW });

    // Assess
    expect(viaNew.validation).toMatchObject({
      trusted: true,
      crossSigned: true,
      path: [server.sha256, ca.sha256, newRoot.sha256],
    });
    expect(viaOld.validation).toMatchObject({
      trusted: true,
      crossSigned: false,
      path: [server.sha256, ca.sha256, cross.sha256, oldRoot.sha256],
      anchor: 'CN=Legacy Root, O=certwatch tests',
    });
  });
});

describe('validateChain with a path only pkijs refuses', () => {
  test('reports RFC 5280 policy processing failures (explicit policy required, none asserted) as INVALID_CHAIN', async () => {
    // Prepare: an intermediate with policyConstraints requireExplicitPolicy=0 over a leaf without policies
    const root = await createRoot({ name: 'Policy Root' });
    const keys = await generateKeys('ecdsa');
    const ca = await x509.X509CertificateGenerator.create({
      subject: 'CN=Policy CA',
      issuer: root.cert.subject,
      publicKey: keys.publicKey,
      signingKey: root.keys.privateKey,
      notBefore: days(-1),
      notAfter: days(30),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
        new x509.Extension('2.5.29.36', true, Uint8Array.from([0x30, 0x03, 0x80, 0x01, 0x00])),
      ],
    });
    const server = await issue({ ...root, name: 'Policy CA', cert: ca, keys }, { name: 'policy.example.com' });

    // Act
    const chain = [Certificate.fromDer(server.der), Certificate.fromDer(Buffer.from(ca.rawData))];
    const { validation } = await validateChain(chain, { trust: TrustStore.fromPem(root.certPem, 'policy'), at: NOW });

    // Assess
    expect(validation.error).toEqual({
      code: 'INVALID_CHAIN',
      message: expect.stringMatching(/^pkijs refused the path 'CN=policy.example.com' → 'CN=Policy CA'/),
    });
  });
});

describe('validateChain with bad input', () => {
  test('reports an empty chain as INVALID_CHAIN', async () => {
    expect(await validateChain([], { trust: nodeTrustStore(), at: NOW, servername: 'x' })).toEqual({
      validation: {
        trusted: false,
        path: [],
        anchor: null,
        anchorSha256: null,
        crossSigned: false,
        at: NOW.toISOString(),
        error: { code: 'INVALID_CHAIN', message: 'no certificate was presented' },
      },
      hostnameMatch: null,
    });
  });

  test('reports an invalid validation time instead of throwing', async () => {
    // Prepare
    const server = await createRoot({ name: 'x' });

    // Act
    const { validation } = await validateChain(parse(server), { trust: nodeTrustStore(), at: new Date(Number.NaN) });

    // Assess
    expect(validation.error?.code).toBe('INVALID_CHAIN');
  });
});
