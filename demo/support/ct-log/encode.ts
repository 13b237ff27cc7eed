/**
 * TLS-style encodings the test log writes (RFC 6962 §3, static-ct-api), and its removal of the poison
 * extension from a precertificate: the 21 bytes of the poison Extension are cut out of the TBS and the three
 * enclosing DER lengths fixed, without a general DER re-encoder.
 */

export const u8 = (n: number) => Buffer.from([n]);
export const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
export function u40(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b.subarray(3);
}
export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
export const vec16 = (b: Uint8Array) => Buffer.concat([u16(b.length), b]);
export const vec24 = (b: Uint8Array) => Buffer.concat([u24(b.length), b]);

/** SEQUENCE { OID 1.3.6.1.4.1.11129.2.4.3, BOOLEAN TRUE, OCTET STRING { NULL } }. */
const POISON = Buffer.from('3013060a2b06010401d6790204030101ff04020500', 'hex');

function header(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  if (length < 0x100) return Buffer.from([tag, 0x81, length]);
  if (length < 0x10000) return Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.from([tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]);
}

/** Reads a DER header at `at`: its tag, header length and content length. */
function readHeader(der: Buffer, at: number): { tag: number; headerLength: number; length: number } {
  const first = der[at + 1];
  if (first < 0x80) return { tag: der[at], headerLength: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i];
  return { tag: der[at], headerLength: 2 + count, length };
}

/** The tbsCertificate of a certificate. */
export function tbsOf(certificate: Buffer): Buffer {
  const outer = readHeader(certificate, 0);
  const at = outer.headerLength;
  const tbs = readHeader(certificate, at);
  return certificate.subarray(at, at + tbs.headerLength + tbs.length);
}

/**
 * The precertificate's TBS with the poison removed (what a log puts in a precert entry). The poison must
 * be in the extensions (openssl puts it where the config lists it).
 */
export function removePoison(precertificate: Buffer): Buffer {
  const tbs = tbsOf(precertificate);
  const where = tbs.indexOf(POISON);
  if (where < 0) throw new Error('the precertificate has no poison extension');
  // The extensions field is the last element of the TBS: [3] { SEQUENCE { ... } }.
  const top = readHeader(tbs, 0);
  let at = top.headerLength;
  let explicit = -1;
  while (at < tbs.length) {
    const h = readHeader(tbs, at);
    if (h.tag === 0xa3) explicit = at;
    at += h.headerLength + h.length;
  }
  const x = readHeader(tbs, explicit);
  const listAt = explicit + x.headerLength;
  const list = readHeader(tbs, listAt);
  const listContent = tbs.subarray(listAt + list.headerLength, listAt + list.headerLength + list.length);
  const inList = where - (listAt + list.headerLength);
  const kept = Buffer.concat([listContent.subarray(0, inList), listContent.subarray(inList + POISON.length)]);
  const before = tbs.subarray(top.headerLength, explicit);
  const extensions = kept.length === 0 ? Buffer.alloc(0) : wrap(0xa3, wrap(0x30, kept));
  return wrap(0x30, Buffer.concat([before, extensions]));
}

function wrap(tag: number, content: Buffer): Buffer {
  return Buffer.concat([header(tag, content.length), content]);
}
