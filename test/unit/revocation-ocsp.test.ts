/**
 * OCSP verdicts on real responses: `openssl ocsp` answers from a real CA database, signed by the CA, by
 * a delegated responder, or by signers that must not count (RFC 6960 §4.2.2.2).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOcspRequest, judgeOcspResponse } from '../../lambdas/core/revocation/ocsp';
import { Certificate } from '../../lambdas/core/x509/certificate';
import { type CaIssued, OpensslCa } from '../support/openssl-ca';

const DAY = 86_400_000;

let dir: string;
let ca: OpensslCa;
let leaf: CaIssued;
let revoked: CaIssued;
let stranger: OpensslCa;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-ocsp-'));
  ca = OpensslCa.create(join(dir, 'ca'), { name: 'OCSP Test Issuing' });
  stranger = OpensslCa.create(join(dir, 'stranger'), { name: 'OCSP Test Stranger' });
  leaf = ca.issue({ name: 'mx.test.example', ocspUrl: 'http://ocsp.test.example/ca' });
  revoked = ca.issue({ name: 'mx2.test.example', ocspUrl: 'http://ocsp.test.example/ca' });
  ca.revoke(revoked, 'cessationOfOperation');
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function judge(response: Buffer, cert: CaIssued, now = new Date()) {
  return judgeOcspResponse(response, {
    cert: Certificate.fromDer(cert.der),
    issuer: Certificate.fromDer(ca.cert.der),
    now,
    source: 'ocsp',
    url: 'http://ocsp.test.example/ca',
  });
}

describe('a response that counts', () => {
  it('signed by the issuer (responder by name or by key) says good, or revoked with time and reason', () => {
    // Prepare
    const byName = ca.ocspResponse(leaf);
    const byKey = ca.ocspResponse(revoked, { byKey: true });

    // Act
    const good = judge(byName, leaf);
    const bad = judge(byKey, revoked);

    // Assess
    expect(good).toMatchObject({ status: 'good', source: 'ocsp', url: 'http://ocsp.test.example/ca' });
    expect(Date.parse(good.nextUpdate as string) - Date.parse(good.thisUpdate as string)).toBe(DAY);
    expect(bad).toMatchObject({ status: 'revoked', reason: 'cessationOfOperation' });
    expect(bad.revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('signed by a responder the issuer certified for OCSP signing', () => {
    // Prepare
    const responder = ca.issue({ name: 'OCSP Responder', extendedKeyUsage: 'OCSPSigning' });
    const response = ca.ocspResponse(revoked, { signer: responder });

    // Act
    const verdict = judge(response, revoked);

    // Assess
    expect(verdict).toMatchObject({ status: 'revoked', reason: 'cessationOfOperation' });
  });
});

describe('a response that does not count is unknown with its reason', () => {
  it('is for another certificate', () => {
    // Prepare
    const response = ca.ocspResponse(revoked);

    // Act
    const verdict = judge(response, leaf);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
    expect(verdict.error?.message).toContain('another certificate');
  });

  it('is for the same serial under another issuer, and says so rather than naming the serial twice', () => {
    // Prepare: the issuer signs an answer whose CertID carries the stranger's hashes and the leaf's serial
    const request = join(dir, 'other-issuer.req');
    const response = join(dir, 'other-issuer.resp');
    const serial = `0x${Certificate.fromDer(leaf.der).serial}`;
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      stranger.cert.certPath,
      '-serial',
      serial,
      '-no_nonce',
      '-reqout',
      request,
    ]);
    const index = join(ca.dir, 'index.txt');
    const signer = ['-rsigner', ca.cert.certPath, '-rkey', ca.cert.keyPath];
    execFileSync('openssl', [
      'ocsp',
      '-index',
      index,
      '-CA',
      stranger.cert.certPath,
      ...signer,
      '-reqin',
      request,
      '-respout',
      response,
      '-ndays',
      '1',
    ]);

    // Act
    const verdict = judge(readFileSync(response), leaf);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'OUT_OF_SCOPE' } });
    expect(verdict.error?.message).toMatch(
      /for serial [0-9a-f]+ of another issuer \(its CertID's issuer hashes are not O=certwatch tests, CN=OCSP Test Issuing's\)$/,
    );
  });

  it('comes from a responder certified by another CA', () => {
    // Prepare
    const outsider = stranger.issue({ name: 'OCSP Test Issuing', extendedKeyUsage: 'OCSPSigning' });
    const response = ca.ocspResponse(revoked, { signer: outsider });

    // Act
    const verdict = judge(response, revoked);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'UNAUTHORIZED_SIGNER' } });
  });

  it('comes from a certificate of the issuer without id-kp-OCSPSigning', () => {
    // Prepare
    const plain = ca.issue({ name: 'Not A Responder' });
    const response = ca.ocspResponse(revoked, { signer: plain });

    // Act
    const verdict = judge(response, revoked);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'UNAUTHORIZED_SIGNER' } });
    expect(verdict.error?.message).toContain('id-kp-OCSPSigning');
  });

  it('has a signature that does not verify', () => {
    // Prepare
    // Without certificates the signature is the response's last element.
    const response = Buffer.from(ca.ocspResponse(leaf, { noCerts: true }));
    response[response.length - 3] ^= 0x01;

    // Act
    const verdict = judge(response, leaf);

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'BAD_SIGNATURE' } });
  });

  it('is past its nextUpdate', () => {
    // Prepare
    const response = ca.ocspResponse(revoked, { days: 1 });

    // Act
    const verdict = judge(response, revoked, new Date(Date.now() + 2 * DAY));

    // Assess
    expect(verdict).toMatchObject({ status: 'unknown', error: { code: 'NOT_CURRENT' } });
  });

  it('says the responder does not know the certificate, or refused to answer', () => {
    // Prepare
    const index = join(ca.dir, 'index.txt');
    const saved = readFileSync(index);
    writeFileSync(index, '');
    let unknown: Buffer;
    try {
      unknown = ca.ocspResponse(leaf);
    } finally {
      writeFileSync(index, saved);
    }
    const tryLater = Buffer.from('30030a0103', 'hex');

    // Act
    const verdicts = [judge(unknown, leaf), judge(tryLater, leaf), judge(Buffer.from('<html>'), leaf)];

    // Assess
    expect(verdicts.map((v) => [v.status, v.error?.code])).toEqual([
      ['unknown', 'RESPONDER_UNKNOWN'],
      ['unknown', 'RESPONDER_UNKNOWN'],
      ['unknown', 'MALFORMED'],
    ]);
    expect(verdicts[1].error?.message).toContain('tryLater');
  });
});

describe('the request', () => {
  it('is byte for byte what openssl ocsp sends (SHA-1 CertID, no nonce)', () => {
    // Prepare
    const out = join(dir, 'openssl.req');
    execFileSync('openssl', ['ocsp', '-issuer', ca.cert.certPath, '-cert', leaf.certPath, '-no_nonce', '-reqout', out]);

    // Act
    const ours = buildOcspRequest(Certificate.fromDer(leaf.der), Certificate.fromDer(ca.cert.der));

    // Assess
    expect(Buffer.from(ours).toString('hex')).toBe(readFileSync(out).toString('hex'));
  });
});
