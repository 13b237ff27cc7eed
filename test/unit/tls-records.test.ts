import { randomBytes } from 'node:crypto';
import { MAX_CERTIFICATE_BYTES, MAX_CHAIN_CERTIFICATES } from '../../lambdas/core/x509/certificate';
import { extractPresentedChain } from '../../lambdas/probe/tls-records';

/** Builds TLS 1.2 server bytes: ServerHello stub, then a Certificate message split over records. */
function tls12Flight(certs: Buffer[], options: { recordSize?: number; listLengthDelta?: number } = {}): Buffer {
  const entries = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  const body = Buffer.concat([u24(entries.length + (options.listLengthDelta ?? 0)), entries]);
  const serverHello = Buffer.concat([Buffer.from([2]), u24(4), Buffer.from([3, 3, 0, 0])]);
  const certificate = Buffer.concat([Buffer.from([11]), u24(body.length), body]);
  const handshake = Buffer.concat([serverHello, certificate]);
  const size = options.recordSize ?? 16_384;
  const records: Buffer[] = [];
  for (let i = 0; i < handshake.length; i += size) {
    const fragment = handshake.subarray(i, i + size);
    records.push(Buffer.from([22, 3, 3, fragment.length >> 8, fragment.length & 0xff]), fragment);
  }
  return Buffer.concat(records);
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

const captured = (serverBytes: Buffer) => ({
  serverBytes,
  protocol: 'TLSv1.2',
  cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
});

describe('extractPresentedChain (TLS 1.2 records)', () => {
  it('returns every certificate in the order sent, across record boundaries', () => {
    // Prepare
    const certs = [randomBytes(700), randomBytes(900), randomBytes(300)];

    // Act
    const chain = extractPresentedChain(captured(tls12Flight(certs, { recordSize: 256 })));

    // Assess
    expect(chain).toEqual(certs);
  });

  it.each([
    ['a list length that lies', { listLengthDelta: 5 }, /list length/],
    ['a list length that is short', { listLengthDelta: -3 }, /malformed Certificate message/],
  ])('reports %s as CHAIN_UNPARSEABLE', (_name, options, message) => {
    // Act
    const act = () => extractPresentedChain(captured(tls12Flight([randomBytes(100), randomBytes(50)], options)));

    // Assess
    expect(act).toThrow(
      expect.objectContaining({ code: 'CHAIN_UNPARSEABLE', message: expect.stringMatching(message) }),
    );
  });

  it(`refuses more than ${MAX_CHAIN_CERTIFICATES} certificates`, () => {
    // Prepare
    const certs = Array.from({ length: MAX_CHAIN_CERTIFICATES + 1 }, () => randomBytes(64));

    // Act / Assess
    expect(() => extractPresentedChain(captured(tls12Flight(certs)))).toThrow(/more than 16 certificates/);
  });

  it('refuses a certificate over the size limit', () => {
    // Prepare
    const certs = [randomBytes(MAX_CERTIFICATE_BYTES + 1)];

    // Act / Assess
    expect(() => extractPresentedChain(captured(tls12Flight(certs)))).toThrow(/limit/);
  });

  it('says so when the flight holds no Certificate message', () => {
    // Prepare: only the ServerHello record
    const bytes = tls12Flight([randomBytes(10)]).subarray(0, 5 + 8);
    bytes.writeUInt16BE(8, 3);

    // Act / Assess
    expect(() => extractPresentedChain(captured(bytes))).toThrow(/no Certificate message/);
  });

  it('refuses a TLS 1.3 capture without the logged handshake secret', () => {
    // Act / Assess
    expect(() =>
      extractPresentedChain({ serverBytes: Buffer.alloc(0), protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' }),
    ).toThrow(/secret was not logged/);
  });
});
