/**
 * Bounded work: name constraint checking pays names × constraints from a budget before comparing,
 * so a hostile chain ends as WORK_LIMIT after a bounded number of comparisons instead of spinning
 * (limbo's pathological::nc-dos-*, which took 7–38 s of CPU before). Measured as work, never as time.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { MAX_NAME_CONSTRAINT_CHECKS, NameCheckBudget } from '../../lambdas/core/x509/name-constraints';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';
import { LIMBO_2026, loadLimbo } from '../support/limbo';
import { generateKeys, type Issued, issue } from '../support/pki';

const NOW = new Date();
const DAY = 86_400_000;

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Uint8Array.from([tag, ...length, ...content]);
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** nameConstraints permitting the given dNSName subtrees. */
function permittedDns(names: string[]): Uint8Array {
  const subtrees = names.map((name) => tlv(0x30, tlv(0x82, Buffer.from(name, 'ascii'))));
  return tlv(0x30, tlv(0xa0, concat(subtrees)));
}

async function constrainedRoot(constraints: string[]): Promise<Issued> {
  const keys = await generateKeys('ecdsa');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Constrained Root, O=certwatch tests',
    keys,
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + 30 * DAY),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.Extension('2.5.29.30', true, permittedDns(constraints)),
    ],
  });
  const der = Buffer.from(cert.rawData);
  return {
    name: 'Constrained Root',
    keyType: 'ecdsa',
    cert,
    keys,
    certPem: `${cert.toString('pem')}\n`,
    der,
    keyPem: '',
    sha256: '',
  };
}

/** A leaf under `root` with `count` SANs `host-N.example.com` (CN = the first). */
async function leafWithNames(root: Issued, count: number): Promise<Certificate> {
  const sans = Array.from({ length: count }, (_, i) => `host-${i}.example.com`);
  const leaf = await issue(root, { name: sans[0], sans });
  return Certificate.fromDer(leaf.der);
}

beforeAll(() => {
  x509.cryptoProvider.set(webcrypto as never);
});

describe('name constraint work cap', () => {
  test('checks a chain inside the cap fully and trusts it, comparing no more than it paid for', async () => {
    // Prepare: 40 names × 40 constraints = 1,600 name-constraint pairs (the last constraint permits them)
    const root = await constrainedRoot([...Array.from({ length: 39 }, (_, i) => `other-${i}.test`), 'example.com']);
    const leaf = await leafWithNames(root, 40);
    const budget = new NameCheckBudget();

    // Act
    const { validation } = await validateChain([leaf], {
      trust: TrustStore.fromPem(root.certPem, 'nc'),
      at: NOW,
      budget,
    });

    // Assess
    expect(validation.error).toBeUndefined();
    expect(validation.trusted).toBe(true);
    expect(budget.used).toBe((40 + 1) * 40);
    expect(budget.compared).toBe(40 * 40);
  });

  test('refuses a chain over the cap as WORK_LIMIT before comparing a single name', async () => {
    // Prepare: 400 names × 700 constraints = 280,000 pairs, over the 250,000 cap
    const root = await constrainedRoot([...Array.from({ length: 699 }, (_, i) => `other-${i}.test`), 'example.com']);
    const leaf = await leafWithNames(root, 400);
    const budget = new NameCheckBudget();

    // Act
    const { validation } = await validateChain([leaf], {
      trust: TrustStore.fromPem(root.certPem, 'nc'),
      at: NOW,
      budget,
    });

    // Assess
    expect(validation).toMatchObject({
      trusted: false,
      error: { code: 'WORK_LIMIT', message: expect.stringContaining(`more than ${MAX_NAME_CONSTRAINT_CHECKS}`) },
    });
    expect(budget.compared).toBe(0);
  });

  test('shares one budget over every candidate path of a validation', async () => {
    // Prepare: a cap smaller than one path's work
    const root = await constrainedRoot(['example.com']);
    const leaf = await leafWithNames(root, 10);
    const budget = new NameCheckBudget(5);

    // Act
    const { validation } = await validateChain([leaf], {
      trust: TrustStore.fromPem(root.certPem, 'nc'),
      at: NOW,
      budget,
    });

    // Assess
    expect(validation.error?.code).toBe('WORK_LIMIT');
    expect(budget.used).toBeLessThanOrEqual(5);
  });

  test.each([
    ['pathological::nc-dos-2', '2,048 SANs against 4,097 constraints'],
    ['pathological::nc-dos-3', '2,048 emailAddress attributes and a CN against 4,097 constraints'],
  ])('ends limbo %s (%s) as WORK_LIMIT within the cap', async (id) => {
    // Prepare
    const c = loadLimbo(LIMBO_2026).find((x) => x.id === id);
    if (!c) throw new Error(`${id} is not in the suite`);
    const chain = [c.peer_certificate, ...c.untrusted_intermediates]
      .flatMap(pemToDerList)
      .map((d) => Certificate.fromDer(d));
    const budget = new NameCheckBudget();

    // Act
    const { validation } = await validateChain(chain, {
      trust: TrustStore.fromPem(c.trusted_certs.join('\n'), 'limbo'),
      at: new Date('2023-12-02T00:00:00Z'),
      budget,
    });

    // Assess
    expect(validation.error?.code).toBe('WORK_LIMIT');
    expect(budget.used).toBeLessThanOrEqual(MAX_NAME_CONSTRAINT_CHECKS);
    expect(budget.compared).toBeLessThanOrEqual(budget.used);
  });
});
