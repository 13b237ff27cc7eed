/**
 * A minimal strict DER reader: just enough to slice a certificate into the byte ranges the core needs
 * (names, public key, serial) without a full ASN.1 parse. Trust stores index 140+ anchors with it at
 * a few microseconds each, where a pkijs parse costs about a millisecond per certificate.
 */
import { CertwatchError } from '../errors';

/** One tag-length-value element located inside a buffer. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and low tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the last content octet. */
  end: number;
}

/** Malformed DER (code DER_INVALID). Callers turn it into their own error type. */
export class DerError extends CertwatchError<'DER_INVALID'> {
  override name = 'DerError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('DER_INVALID', message, options);
  }
}

/** INTEGER. */
export const TAG_INTEGER = 0x02;
/** BIT STRING. */
export const TAG_BIT_STRING = 0x03;
/** OCTET STRING. */
export const TAG_OCTET_STRING = 0x04;
/** OBJECT IDENTIFIER. */
export const TAG_OID = 0x06;
/** SEQUENCE (constructed). */
export const TAG_SEQUENCE = 0x30;
/** SET (constructed). */
export const TAG_SET = 0x31;

/** An element's identifier and length, read from its first octets. */
export interface TlvHeader {
  /** The identifier octet (class, constructed bit and low tag number). */
  tag: number;
  /** Octets of identifier and length together: the content starts this far after the element. */
  headerLength: number;
  /** Octets of content. */
  length: number;
}

/**
 * Reads the identifier and length of the element at `offset` without requiring its content: what a
 * streaming reader needs (revocation lists are walked chunk by chunk). Returns null when the data ends
 * before the header does; throws DerError when the header is not DER.
 */
export function readHeader(buf: Uint8Array, offset: number, limit: number = buf.length): TlvHeader | null {
  if (offset >= limit) return null;
  const tag = buf[offset];
  let pos = offset + 1;
  if ((tag & 0x1f) === 0x1f) {
    // High tag numbers are legal DER but never occur where this reader looks; skip them faithfully.
    while (pos < limit && buf[pos] & 0x80) pos++;
    pos++;
  }
  if (pos >= limit) return null;
  const first = buf[pos++];
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at offset ${pos - 1} is not DER`);
    if (count > 4) throw new DerError(`length of ${count} octets at offset ${pos - 1} is too large`);
    if (pos + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
  }
  return { tag, headerLength: pos - offset, length };
}

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  if (offset >= limit) throw new DerError(`element expected at offset ${offset}, found end of data`);
  const header = readHeader(buf, offset, limit);
  if (!header) throw new DerError(`header of the element at offset ${offset} runs past the end`);
  const contentStart = offset + header.headerLength;
  const end = contentStart + header.length;
  if (end > limit)
    throw new DerError(`element at offset ${offset} (${header.length} octets) runs past the end of its container`);
  return { tag: header.tag, start: offset, contentStart, end };
}

/** Encodes one element: identifier octet, DER length, content (for the few structures certwatch writes). */
export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  const length: number[] = [];
  if (content.length < 0x80) length.push(content.length);
  else {
    for (let n = content.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
    length.unshift(0x80 | length.length);
  }
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

/** The elements directly inside a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(buf, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Content octets of an element. */
export function content(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.contentStart, tlv.end);
}

/** The whole encoding (identifier, length and content) of an element. */
export function encoding(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}

/** Asserts an element's tag. */
export function expectTag(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
}

/** Decodes an OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = value * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      arcs.push(value);
      value = 0;
    } else if (i === bytes.length - 1) {
      throw new DerError('truncated object identifier');
    }
  }
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/** Byte ranges of a certificate that the core reads without pkijs. */
export interface CertificateParts {
  /** Whole `tbsCertificate` encoding. */
  tbs: Uint8Array;
  /** Content octets of the serial number INTEGER. */
  serial: Uint8Array;
  /** Whole encodings of the issuer and subject Names. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** Whole SubjectPublicKeyInfo encoding. */
  spki: Uint8Array;
  /** Outer signature algorithm OID. */
  signatureAlgorithm: string;
  /** The validity period, in milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  /** The extensions, in order, with their raw values (empty for a v1 certificate). */
  extensions: RawExtension[];
}

/** One extension as encoded. */
export interface RawExtension {
  oid: string;
  critical: boolean;
  /** Content of the extnValue OCTET STRING. */
  value: Uint8Array;
}

/** The explicitly tagged Extensions of a certificate ([3]) or CRL ([0]); none without a wrapper. */
export function readExtensions(der: Uint8Array, wrapper: Tlv | undefined): RawExtension[] {
  if (!wrapper) return [];
  const [list] = children(der, wrapper);
  if (!list) throw new DerError('extensions: empty wrapper');
  return readExtensionList(der, list);
}

/** An Extensions SEQUENCE (as CRL entries carry it, untagged). */
export function readExtensionList(der: Uint8Array, list: Tlv): RawExtension[] {
  return children(der, expectTag(list, TAG_SEQUENCE, 'Extensions')).map((ext) => {
    const parts = children(der, expectTag(ext, TAG_SEQUENCE, 'Extension'));
    const oid = decodeOid(content(der, expectTag(parts[0] ?? ext, TAG_OID, 'extnID')));
    let critical = false;
    let next = 1;
    if (parts[1]?.tag === 0x01) {
      const flag = content(der, parts[1]);
      if (flag.length !== 1) throw new DerError('Extension: malformed critical flag');
      critical = flag[0] !== 0;
      next = 2;
    }
    const value = parts[next];
    if (!value || parts.length !== next + 1) throw new DerError(`Extension ${oid}: malformed`);
    return { oid, critical, value: content(der, expectTag(value, TAG_OCTET_STRING, 'extnValue')) };
  });
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3})\d*)?Z$/;

/** A UTCTime (0x17) or GeneralizedTime (0x18) as milliseconds since the epoch (RFC 5280 §4.1.2.5). */
export function decodeTime(der: Uint8Array, tlv: Tlv): number {
  const text = String.fromCharCode(...content(der, tlv));
  const match = tlv.tag === 0x17 ? UTC_TIME.exec(text) : tlv.tag === 0x18 ? GENERALIZED_TIME.exec(text) : null;
  if (!match) throw new DerError(`invalid time '${text}'`);
  const numbers = match.slice(1, 7).map(Number);
  // UTCTime years 50–99 are 1950–1999 (RFC 5280 §4.1.2.5.1).
  const year = tlv.tag === 0x17 ? numbers[0] + (numbers[0] < 50 ? 2000 : 1900) : numbers[0];
  const [, month, day, hour, minute, second] = numbers;
  const millis = Number((match[7] ?? '').padEnd(3, '0'));
  const time = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const back = new Date(time);
  if (
    Number.isNaN(time) ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new DerError(`invalid time '${text}'`);
  }
  return time;
}

/** The fields of a tbsCertificate certwatch reads (a CT log's precertificate entry is a bare TBS). */
export type TbsParts = Omit<CertificateParts, 'signatureAlgorithm'>;

/** Slices a tbsCertificate that starts at `offset` of `der` (the whole buffer by default). */
export function tbsParts(der: Uint8Array, tbs: Tlv = readTlv(der, 0)): TbsParts {
  expectTag(tbs, TAG_SEQUENCE, 'tbsCertificate');
  const fields = children(der, tbs);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++;
  const [serial, , issuer, validity, subject, spki] = fields.slice(i, i + 6);
  if (!spki) throw new DerError('tbsCertificate: too few elements');
  expectTag(serial, TAG_INTEGER, 'serialNumber');
  expectTag(issuer, TAG_SEQUENCE, 'issuer');
  expectTag(validity, TAG_SEQUENCE, 'validity');
  expectTag(subject, TAG_SEQUENCE, 'subject');
  expectTag(spki, TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const [notBefore, notAfter, ...extra] = children(der, validity);
  if (!notBefore || !notAfter || extra.length > 0) throw new DerError('validity: expected notBefore and notAfter');
  return {
    notBefore: decodeTime(der, notBefore),
    notAfter: decodeTime(der, notAfter),
    tbs: encoding(der, tbs),
    serial: content(der, serial),
    issuer: encoding(der, issuer),
    subject: encoding(der, subject),
    spki: encoding(der, spki),
    extensions: readExtensions(
      der,
      fields.slice(i + 6).find((f) => f.tag === 0xa3),
    ),
  };
}

/**
 * The encoding of a DER certificate's subject, read without the rest of {@link certificateParts} (no
 * validity, no extensions): what indexing 140+ anchors by subject at start-up needs (trust-store.ts),
 * at a fraction of the cost. Throws DerError when the outer structure is not a certificate.
 */
export function certificateSubject(der: Uint8Array): Uint8Array {
  const cert = expectTag(readTlv(der, 0), TAG_SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new DerError(`${der.length - cert.end} trailing octets after the certificate`);
  const [tbs] = children(der, cert);
  if (!tbs) throw new DerError('Certificate: expected 3 elements');
  const fields = children(der, expectTag(tbs, TAG_SEQUENCE, 'tbsCertificate'));
  const subject = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 4];
  if (!subject) throw new DerError('tbsCertificate: too few elements');
  return encoding(der, expectTag(subject, TAG_SEQUENCE, 'subject'));
}

/** Slices a DER certificate; throws DerError when the outer structure is not a certificate. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const cert = expectTag(readTlv(der, 0), TAG_SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new DerError(`${der.length - cert.end} trailing octets after the certificate`);
  const [tbs, sigAlg, sigValue] = children(der, cert);
  if (!tbs || !sigAlg || !sigValue) throw new DerError('Certificate: expected 3 elements');
  expectTag(tbs, TAG_SEQUENCE, 'tbsCertificate');
  const algorithm = children(der, expectTag(sigAlg, TAG_SEQUENCE, 'signatureAlgorithm'))[0];
  return {
    ...tbsParts(der, tbs),
    signatureAlgorithm: decodeOid(content(der, expectTag(algorithm ?? tbs, TAG_OID, 'signature algorithm'))),
  };
}

/** Hex of an unsigned big-endian integer without leading zero octets (at least one octet). */
function unsignedHex(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString('hex');
}

/** A serial number's content octets as `openssl x509 -serial` prints them, in lowercase. */
export function serialHex(octets: Uint8Array): string {
  if (octets.length === 0) return '00';
  if (!(octets[0] & 0x80)) return unsignedHex(octets);
  // Two's complement: the magnitude of -128 is 0x80 again, so it is printed unsigned, not re-examined.
  const magnitude = Buffer.from(octets).map((b) => ~b & 0xff);
  for (let i = magnitude.length - 1; i >= 0; i--) {
    magnitude[i] = (magnitude[i] + 1) & 0xff;
    if (magnitude[i] !== 0) break;
  }
  return `-${unsignedHex(magnitude)}`;
}
