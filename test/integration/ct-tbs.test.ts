/**
 * The link key against independent oracles: precertificate and final certificate made by openssl (poison,
 * then SCT list), and Python `cryptography`'s `tbs_precertificate_bytes` (Debian python3-cryptography) for
 * the TBS without the SCT list. RFC 6962 §3.2 says the precertificate's TBS without the poison is that.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { LogEntry } from '../../lambdas/core/ct/entries';
import { loggedCertFacts } from '../../lambdas/core/ct/logged-cert';
import { certificateLinkKey, certificateTbs, linkKey, linkTbs } from '../../lambdas/core/ct/tbs';
import {
  type CtCa,
  issueFinal,
  issuePrecert,
  leafKey,
  openCtCa,
  pythonTbsPrecertificateBytes,
} from '../support/ct-certs';
import { createRoot, issue } from '../support/pki';

let ca: CtCa;

beforeAll(async () => {
  const root = await createRoot({ name: 'CT Test Root', keyType: 'ecdsa' });
  const intermediate = await issue(root, { name: 'CT Test Intermediate', isCa: true, keyType: 'ecdsa' });
  ca = openCtCa(intermediate);
});

afterAll(() => ca?.close());

const ISSUE = {
  names: ['smtp.ct.example', '*.ct.example'],
  serial: '0A1B2C3D4E5F',
  notBefore: new Date('2026-03-01T00:00:00Z'),
  notAfter: new Date('2026-05-30T00:00:00Z'),
};

function entry(kind: 'x509' | 'precert', bytes: Buffer): LogEntry {
  return {
    index: 0,
    timestamp: 0,
    kind,
    precertTbs: kind === 'precert' ? bytes : null,
    certificate: kind === 'x509' ? bytes : null,
    issuerKeyHash: kind === 'precert' ? ca.keyHash : null,
    preCertificate: null,
    chain: [],
    chainFingerprints: [],
    leafHash: Buffer.alloc(32),
  };
}

test("the TBS without poison or SCT list matches Python cryptography's tbs_precertificate_bytes", () => {
  // Prepare
  const key = leafKey();
  const precert = issuePrecert(ca, ISSUE, key);
  const final = issueFinal(ca, ISSUE, key, Buffer.from('0009000700050001020304', 'hex'));

  // Act
  const oracle = pythonTbsPrecertificateBytes(final);

  // Assess
  expect(linkTbs(certificateTbs(final)).toString('hex')).toBe(oracle.toString('hex'));
  expect(linkTbs(certificateTbs(precert)).toString('hex')).toBe(oracle.toString('hex'));
  expect(Buffer.from(certificateTbs(precert)).equals(oracle)).toBe(false);
  expect(certificateLinkKey(final)).toBe(createHash('sha256').update(oracle).digest('hex'));
});

test('a precertificate entry and the final certificate entry link, with the facts of the certificate', () => {
  // Prepare: the log's precertificate entry holds the TBS with the poison already removed.
  const key = leafKey();
  const precert = issuePrecert(ca, { ...ISSUE, serial: '77' }, key);
  const final = issueFinal(ca, { ...ISSUE, serial: '77' }, key, Buffer.from('0009000700050001020304', 'hex'));
  const logged = linkTbs(certificateTbs(precert));

  // Act
  const fromPrecert = loggedCertFacts(entry('precert', logged));
  const fromFinal = loggedCertFacts(entry('x509', final));

  // Assess
  expect(fromPrecert.linkKey).toBe(fromFinal.linkKey);
  expect(fromPrecert.linkKey).toBe(linkKey(certificateTbs(final)));
  const x509 = new X509Certificate(final);
  expect(fromFinal).toMatchObject({
    precertificate: false,
    sha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    dnsNames: ['smtp.ct.example', '*.ct.example'],
    serial: '77',
    notBefore: '2026-03-01T00:00:00.000Z',
    notAfter: '2026-05-30T00:00:00.000Z',
    spkiSha256: key.spkiSha256,
    keyAlgorithm: 'ECDSA P-256',
  });
  expect(fromFinal.issuer).toContain('CN=CT Test Intermediate');
  expect(fromPrecert).toMatchObject({ precertificate: true, sha256: null, spkiSha256: key.spkiSha256 });
});
