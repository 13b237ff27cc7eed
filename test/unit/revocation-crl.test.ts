/**
 * CRL verdicts on real CRLs: `openssl ca` with its own database makes them (revocations with reasons,
 * issuingDistributionPoint, validity windows), and certwatch reads them streamed, in chunks of any size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChecks } from '../../lambdas/core/revocation/combine';
import { CrlScanner, serialOctets } from '../../lambdas/core/revocation/crl-scanner';
import { judgeCrl } from '../../lambdas/core/revocation/crl-verdict';
import type { SourceVerdict } from '../../lambdas/core/revocation/model';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { DerError } from '../../lambdas/core/x509/der';
import { type CaIssued, OpensslCa } from '../support/openssl-ca';

const CRL_URL = 'http://crl.test.example/issuing.crl';
const ROOT_CRL_URL = 'http://crl.test.example/root.crl';
const DAY = 86_400_000;

let dir: string;
let root: OpensslCa;
let ca: OpensslCa;
let leaf: CaIssued;
let revoked: CaIssued;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-crl-'));
  root = OpensslCa.create(join(dir, 'root'), { name: 'CRL Test Root' });
  ca = OpensslCa.create(join(dir, 'ca'), { name: 'CRL Test Issuing', parent: root, crlUrls: [ROOT_CRL_URL] });
  leaf = ca.issue({ name: 'mx.test.example', crlUrls: [CRL_URL] });
  revoked = ca.issue({ name: 'mx2.test.example', crlUrls: [CRL_URL] });
  ca.revoke(revoked, 'keyCompromise');
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Scans `crl` in chunks of `chunk` octets for each certificate and judges it against `issuer` at `now`. */
function verdicts(
  crl: Buffer,
  certs: readonly CaIssued[],
  options: { issuer?: CaIssued; now?: Date; chunk?: number; url?: string } = {},
): SourceVerdict[] {
  const issuer = Certificate.fromDer((options.issuer ?? ca.cert).der);
  const parsed = certs.map((c) => Certificate.fromDer(c.der));
  const scanner = new CrlScanner(
    parsed.map((c) => serialOctets(c.der)),
    issuer.spkiDer,
  );
  const chunk = options.chunk ?? 4096;
  for (let i = 0; i < crl.length; i += chunk) scanner.push(crl.subarray(i, i + chunk));
  const subjects = parsed.map((cert) => ({ cert, point: planChecks(cert, ['crl']).crl[0].point }));
  return judgeCrl(scanner.finish(), subjects, { url: options.url ?? CRL_URL, issuer, now: options.now ?? new Date() });
}

describe('a CRL signed by the issuer, current and in scope', () => {
  it('says good for an unlisted serial and revoked, with time and RFC 5280 reason, for a listed one', () => {
    // Prepare
    const crl = ca.crl();

    // Act
    const [good, bad] = verdicts(crl, [leaf, revoked]);

    // Assess
    expect(good).toMatchObject({ status: 'good', source: 'crl', url: CRL_URL });
    expect(bad).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(Date.parse(bad.revokedAt as string)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(good.nextUpdate as string) - Date.parse(good.thisUpdate as string)).toBe(DAY);
  });

  it('gives the same verdicts whatever the chunk size (1 octet at a time included)', () => {
    // Prepare
    const crl = ca.crl();

    // Act
    const results = [1, 2, 3, 7, 64, 100_000].map((chunk) => verdicts(crl, [leaf, revoked], { chunk }));

    // Assess
    for (const result of results) expect(result).toEqual(results[0]);
  });

  it('honours an issuingDistributionPoint naming the certificate’s point', () => {
    // Prepare
    const crl = ca.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: `[ idp ]\nfullname = URI:${CRL_URL}\nonlyuser = TRUE\n`,
    });

    // Act
    const [good, bad] = verdicts(crl, [leaf, revoked]);

    // Assess
    expect([good.status, bad.status]).toEqual(['good', 'revoked']);
  });
});

describe('signature algorithms', () => {
  it('reads RSA PKCS#1 v1.5 and RSASSA-PSS signed CRLs', () => {
    // Prepare
    const rsa = OpensslCa.create(join(dir, 'rsa'), { name: 'RSA Issuing', keyType: 'rsa' });
    const issued = rsa.issue({ name: 'rsa.test.example', keyType: 'rsa', crlUrls: [CRL_URL] });
    rsa.revoke(issued, 'superseded');
    const pkcs1 = rsa.crl();
    const pss = rsa.crl({ sigopts: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'] });

    // Act
    const found = [pkcs1, pss].map((crl) => verdicts(crl, [issued], { issuer: rsa.cert })[0]);

    // Assess
    expect(found.map((v) => [v.status, v.reason])).toEqual([
      ['revoked', 'superseded'],
      ['revoked', 'superseded'],
    ]);
  });
});

describe('a CRL that does not count is unknown, with its reason, never a revocation', () => {
  it('refuses a CRL signed by another key under the issuer’s name', () => {
    // Prepare
    const impostor = OpensslCa.create(join(dir, 'impostor'), { name: 'CRL Test Issuing' });
    impostor.issue({ name: 'filler.test.example' });
    const crl = impostor.crl();

    // Act
    const [good, bad] = verdicts(crl, [leaf, revoked]);

    // Assess
    expect(good).toMatchObject({ status: 'unknown', error: { code: 'BAD_SIGNATURE' } });
    expect(bad.status).toBe('unknown');
  });

  it('refuses a CRL of another issuer name', () => {
    // Prepare
    const crl = root.crl();

    // Act
    const [verdict] = verdicts(crl, [leaf]);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
    expect(verdict.error?.message).toMatch(/issued by .*CRL Test Root/);
  });

  it('refuses an expired CRL and one not yet valid', () => {
    // Prepare
    const expired = ca.crl({ lastUpdate: new Date(Date.now() - 3 * DAY), nextUpdate: new Date(Date.now() - DAY) });
    const future = ca.crl({ lastUpdate: new Date(Date.now() + DAY), nextUpdate: new Date(Date.now() + 2 * DAY) });

    // Act
    const [old] = verdicts(expired, [revoked]);
    const [early] = verdicts(future, [revoked]);

    // Assess
    expect(old).toMatchObject({ status: 'unknown', error: { code: 'NOT_CURRENT' } });
    expect(old.error?.message).toMatch(/nextUpdate .* has passed/);
    expect(early).toMatchObject({ status: 'unknown', error: { code: 'NOT_CURRENT' } });
  });

  it('refuses a CRL for another distribution point', () => {
    // Prepare
    const crl = ca.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: '[ idp ]\nfullname = URI:http://crl.test.example/another-shard.crl\n',
    });

    // Act
    const [good, bad] = verdicts(crl, [leaf, revoked]);

    // Assess
    expect(good).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
    expect(good.error?.message).toContain('another-shard.crl');
    expect(bad.status).toBe('unknown');
  });

  it('refuses a user-certificates-only CRL for an intermediate and a CA-only CRL for a leaf', () => {
    // Prepare
    const caOnly = ca.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: '[ idp ]\nonlyCA = TRUE\n',
    });
    const userOnly = root.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: '[ idp ]\nonlyuser = TRUE\n',
    });

    // Act
    const [forLeaf] = verdicts(caOnly, [leaf]);
    const [forIntermediate] = verdicts(userOnly, [ca.cert], { issuer: root.cert, url: ROOT_CRL_URL });

    // Assess
    expect(forLeaf).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
    expect(forIntermediate).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
  });

  it('calls an unlisted serial unknown when the CRL covers only some reasons, a listed one revoked', () => {
    // Prepare
    const crl = ca.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: '[ idp ]\nonlysomereasons = keyCompromise, CACompromise\n',
    });

    // Act
    const [good, bad] = verdicts(crl, [leaf, revoked]);

    // Assess
    expect(good).toMatchObject({ status: 'unknown', error: { code: 'UNSUPPORTED' } });
    expect(good.error?.message).toMatch(/only some revocation reasons/);
    expect(bad).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
  });

  it('says so for indirect and delta CRLs and for critical extensions it does not process', () => {
    // Prepare
    const indirect = ca.crl({
      extensions: ['issuingDistributionPoint = critical, @idp'],
      sections: '[ idp ]\nindirectCRL = TRUE\n',
    });
    const delta = ca.crl({ extensions: ['2.5.29.27 = critical, ASN1:INTEGER:999'] });
    const strange = ca.crl({ extensions: ['1.2.3.4 = critical, ASN1:NULL'] });

    // Act
    const found = [indirect, delta, strange].map((crl) => verdicts(crl, [revoked])[0]);

    // Assess
    expect(found.map((v) => [v.status, v.error?.code])).toEqual([
      ['unknown', 'UNSUPPORTED'],
      ['unknown', 'UNSUPPORTED'],
      ['unknown', 'UNSUPPORTED'],
    ]);
    expect(found.map((v) => v.error?.message)).toEqual([
      expect.stringMatching(/indirect CRL/),
      expect.stringMatching(/delta CRL/),
      expect.stringMatching(/1\.2\.3\.4/),
    ]);
  });

  it('refuses a CRL from an issuer whose key usage does not allow cRLSign', () => {
    // Prepare
    const noCrlSign = OpensslCa.create(join(dir, 'no-crl-sign'), { name: 'No CRL Sign', keyUsage: 'keyCertSign' });
    const issued = noCrlSign.issue({ name: 'mx3.test.example', crlUrls: [CRL_URL] });
    const crl = noCrlSign.crl();

    // Act
    const [verdict] = verdicts(crl, [issued], { issuer: noCrlSign.cert });

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'UNAUTHORIZED_SIGNER' } });
  });
});

describe('bytes that are not a CRL', () => {
  it('are refused with a DER error: truncated, trailing bytes, garbage', () => {
    // Prepare
    const crl = ca.crl();
    const issuer = Certificate.fromDer(ca.cert.der);
    const scan = (bytes: Buffer) => {
      const scanner = new CrlScanner([], issuer.spkiDer);
      scanner.push(bytes);
      return scanner.finish();
    };

    // Act / Assess
    expect(() => scan(crl.subarray(0, crl.length - 5))).toThrow(DerError);
    expect(() => scan(Buffer.concat([crl, Buffer.from([0])]))).toThrow(DerError);
    expect(() => scan(Buffer.from('<html>not found</html>'))).toThrow(DerError);
    expect(() => scan(crl)).not.toThrow();
  });
});
