import { randomBytes } from 'node:crypto';
import { MAX_CERTIFICATE_BYTES, MAX_CHAIN_CERTIFICATES } from '../../lambdas/core/x509/certificate';
import { maxRecordBody, tlsRecords } from '../../lambdas/probe/tls-record-reader';
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

describe('one TLS record reader, a body limit per version', () => {
  it('takes TLS 1.2 records up to 2^14 + 2048 bytes and refuses one byte more (RFC 5246 §6.2.3)', () => {
    // Prepare: records of the largest size TLS 1.2 allows for a ciphertext
    const certs = [randomBytes(30_000), randomBytes(20_000)];

    // Act
    const atLimit = extractPresentedChain(captured(tls12Flight(certs, { recordSize: 16_384 + 2048 })));
    const overLimit = () => extractPresentedChain(captured(tls12Flight(certs, { recordSize: 16_384 + 2049 })));

    // Assess
    expect(atLimit).toEqual(certs);
    expect(overLimit).toThrow(
      expect.objectContaining({ code: 'CHAIN_UNPARSEABLE', message: 'TLS record of 18433 bytes' }),
    );
  });

  it('holds TLS 1.3 records to 2^14 + 256 bytes (RFC 8446 §5.2)', () => {
    // Prepare: one record over TLS 1.3's limit, well within TLS 1.2's
    const bytes = Buffer.concat([Buffer.from([23, 3, 3, 0x41, 0x01]), Buffer.alloc(16_384 + 257)]);
    const secret = randomBytes(32);

    // Act
    const act = () =>
      extractPresentedChain({
        serverBytes: bytes,
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        serverHandshakeSecret: secret,
      });

    // Assess
    expect(maxRecordBody('TLSv1.3')).toBe(16_640);
    expect(maxRecordBody('TLSv1.2')).toBe(18_432);
    expect(maxRecordBody()).toBe(18_432);
    expect(act).toThrow(expect.objectContaining({ code: 'CHAIN_UNPARSEABLE', message: 'TLS record of 16641 bytes' }));
  });

  it('yields complete records, then the incomplete one, and reads nothing past it', () => {
    // Prepare
    const bytes = Buffer.from([21, 3, 3, 0, 2, 2, 40, 22, 3, 3, 0, 9, 1, 2]);

    // Act
    const records = [...tlsRecords(bytes, maxRecordBody())];

    // Assess
    expect(records.map((r) => [r.offset, r.type, r.length, r.body?.length ?? null])).toEqual([
      [0, 21, 2, 2],
      [7, 22, 9, null],
    ]);
  });
});
