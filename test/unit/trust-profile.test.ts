/**
 * The web-PKI profile rules (docs/trust-profile.md) on their own: name syntax, which real certificates
 * they touch (every Google fixture passes; the shipped roots they would refuse are exempt), and a few
 * generated chains that break one rule each.
 */
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import {
  anchorEncodingProblem,
  isPreferredDnsName,
  keyProblem,
  type ProfileRole,
  profileProblem,
} from '../../lambdas/core/x509/profile';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';
import { googleRootsPath } from '../../lambdas/trust/trust-stores';
import { createRoot, generateKeys, type Issued, issue } from '../support/pki';

const GOOGLE = join(__dirname, '../fixtures/google');
const NOW = new Date();

describe('preferred name syntax for dNSName SANs', () => {
  test.each([
    ['mx.google.com', true],
    ['*.google.com', true],
    ['xn--bcher-kva.example', true],
    ['a-b.c', true],
    ['foo_bar.example.com', false],
    ['example.com.', false],
    ['*', false],
    ['*.com', false],
    ['f*.example.com', false],
    ['foo.*.example.com', false],
    ['-lead.example.com', false],
    ['😜.example.com', false],
    ['', false],
    [`${'a'.repeat(64)}.com`, false],
  ])('%s → %s', (name, expected) => {
    // Act & Assess
    expect(isPreferredDnsName(name)).toBe(expected);
  });
});

describe('the profile on real certificates', () => {
  const roles: [string, ProfileRole][] = [
    ['leaves', 'leaf'],
    ['intermediates', 'intermediate'],
    ['roots', 'trust anchor'],
  ];
  const fixtures = roles.flatMap(([dir, role]) =>
    readdirSync(join(GOOGLE, dir)).map((file) => [`${dir}/${file}`, role] as const),
  );

  test.each(fixtures)('Google fixture %s passes every rule as a %s, anchor encoding included', (file, role) => {
    // Prepare
    const cert = Certificate.fromDer(pemToDerList(readFileSync(join(GOOGLE, file), 'utf8'))[0]);

    // Act
    const problem =
      role === 'trust anchor' ? (keyProblem(cert) ?? anchorEncodingProblem(cert)) : profileProblem(cert, role);

    // Assess
    expect(problem).toBeNull();
  });

  test('refuses as anchors only shipped roots from the documented list, and exempts them', () => {
    // Prepare
    const shipped = [...rootCertificates, readFileSync(googleRootsPath(), 'utf8')]
      .flatMap((pem) => pemToDerList(pem))
      .map((der) => Certificate.fromDer(der));

    // Act
    const refused = shipped.filter((c) => keyProblem(c) ?? anchorEncodingProblem(c));
    const stillRefused = shipped.filter((c) => profileProblem(c, 'trust anchor', true) !== null);

    // Assess
    const documented = /QuoVadis Root CA [23]|Certigna|ePKI Root|TWCA Global Root CA|(Go Daddy|Starfield) Class 2/;
    expect(refused.map((c) => c.subject).filter((s) => !documented.test(s))).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(stillRefused).toEqual([]);
  });
});

describe('the profile on generated chains', () => {
  test('refuses a leaf whose commonName is another host than its SANs, as PROFILE_VIOLATION', async () => {
    // Prepare
    const root = await createRoot({ name: 'Profile Root' });
    const leaf = await issue(root, { name: 'other.example.com', sans: ['mail.example.com'] });

    // Act
    const { validation } = await validateChain([Certificate.fromDer(leaf.der)], {
      trust: TrustStore.fromPem(root.certPem, 'profile'),
      at: NOW,
    });

    // Assess
    expect(validation.error).toEqual({
      code: 'PROFILE_VIOLATION',
      message: expect.stringContaining("commonName 'other.example.com' is not a copy"),
    });
  });

  test('accepts a leaf whose commonName is the parent domain of a SAN', async () => {
    // Prepare
    const root = await createRoot({ name: 'Profile Root' });
    const leaf = await issue(root, { name: 'example.com', sans: ['mail.example.com'] });

    // Act
    const { validation } = await validateChain([Certificate.fromDer(leaf.der)], {
      trust: TrustStore.fromPem(root.certPem, 'profile'),
      at: NOW,
    });

    // Assess
    expect(validation.trusted).toBe(true);
  });

  test('refuses a CA certificate presented as the leaf', async () => {
    // Prepare
    const root = await createRoot({ name: 'Profile Root' });
    const ca = await issue(root, { name: 'Profile CA', isCa: true });

    // Act
    const { validation } = await validateChain([Certificate.fromDer(ca.der)], {
      trust: TrustStore.fromPem(root.certPem, 'profile'),
      at: NOW,
    });

    // Assess
    expect(validation.error).toEqual({
      code: 'PROFILE_VIOLATION',
      message: expect.stringContaining('CA certificate (basicConstraints cA) in the leaf position'),
    });
  });
});

/** A self-signed root like Chunghwa ePKI's: basicConstraints cA=TRUE but not critical. */
async function rootWithNonCriticalBasicConstraints(): Promise<Issued> {
  const keys = await generateKeys('ecdsa');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Legacy Root, O=certwatch tests',
    keys,
    notBefore: new Date(NOW.getTime() - 86_400_000),
    notAfter: new Date(NOW.getTime() + 30 * 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const der = Buffer.from(cert.rawData);
  return {
    name: 'Legacy Root',
    keyType: 'ecdsa',
    cert,
    keys,
    certPem: `${cert.toString('pem')}\n`,
    der,
    keyPem: '',
    sha256: '',
  };
}

describe('anchor encoding rules and where the anchor comes from', () => {
  test('refuse a legacy-encoded root added from PEM (--ca), trust the same root in a built-in set', async () => {
    // Prepare
    const root = await rootWithNonCriticalBasicConstraints();
    const leaf = await issue(root, { name: 'mail.example.com' });
    const chain = [Certificate.fromDer(leaf.der)];

    // Act
    const added = await validateChain(chain, { trust: TrustStore.fromPem(root.certPem, 'ca-file'), at: NOW });
    const builtIn = await validateChain(chain, { trust: TrustStore.lazy('shipped', () => [root.der]), at: NOW });
    const extended = await validateChain(chain, {
      trust: TrustStore.lazy('shipped', () => [root.der]).withExtra(root.certPem),
      at: NOW,
    });

    // Assess
    expect(added.validation.error).toEqual({
      code: 'PROFILE_VIOLATION',
      message: expect.stringContaining('basicConstraints is not critical'),
    });
    expect(builtIn.validation.trusted).toBe(true);
    expect(extended.validation.trusted).toBe(true);
  });
});
