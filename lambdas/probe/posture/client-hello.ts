/**
 * A hand-built TLS 1.0–1.2 ClientHello, for suites this OpenSSL cannot offer (3DES, RC4, …). Sent after
 * STARTTLS, it only has to make the server answer with a ServerHello (naming the suite it chose) or an
 * alert; the handshake is never finished, so no cipher needs implementing.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { TlsVersion } from '../../core/posture/posture';
import { wireVersion } from './server-hello';

/** What to offer. */
export interface ClientHelloSpec {
  /** TLS 1.0, 1.1 or 1.2: TLS 1.3 needs a real key share, so Node's own stack offers it. */
  version: Exclude<TlsVersion, 'TLSv1.3'>;
  /** Codepoints, in order of preference. */
  suites: readonly number[];
  /** SNI; omitted for an address or when absent. */
  servername?: string;
  /** 32 bytes; random by default (fixed in tests). */
  random?: Buffer;
}

/** Most suites one hello carries (the list length is a 16-bit byte count; stay far from it). */
export const MAX_HELLO_SUITES = 512;

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_EXTENDED_MASTER_SECRET = 0x0017;
const EXT_RENEGOTIATION_INFO = 0xff01;

/** x25519, secp256r1, secp384r1, secp521r1, then ffdhe2048/3072 so RFC 7919 servers can pick DHE. */
const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101];

/** RSA (PSS and PKCS#1), ECDSA, DSA, with SHA-1 last: old servers sign with what they have. */
const SIGNATURE_ALGORITHMS = [
  0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0402, 0x0201, 0x0203, 0x0202,
];

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

function u16List(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}

/** A vector with a 1-, 2- or 3-byte length prefix. */
function vector(body: Buffer, lengthBytes: 1 | 2 | 3): Buffer {
  const head = Buffer.alloc(lengthBytes);
  head.writeUIntBE(body.length, 0, lengthBytes);
  return Buffer.concat([head, body]);
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vector(body, 2)]);
}

/**
 * Encodes one TLS record holding a ClientHello. Extensions: SNI, supported groups, point formats,
 * signature algorithms (TLS 1.2 only, RFC 5246 §7.4.1.4.1), extended master secret and an empty
 * renegotiation_info (servers that insist on secure renegotiation would refuse without it).
 * @throws RangeError for an empty or oversized suite list or a bad random.
 */
export function encodeClientHello(spec: ClientHelloSpec): Buffer {
  if (spec.suites.length === 0 || spec.suites.length > MAX_HELLO_SUITES) {
    throw new RangeError(`a ClientHello carries 1 to ${MAX_HELLO_SUITES} suites, not ${spec.suites.length}`);
  }
  const random = spec.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('the ClientHello random is 32 bytes');
  const extensions: Buffer[] = [];
  if (spec.servername && isIP(spec.servername) === 0) {
    const name = Buffer.from(spec.servername, 'ascii');
    extensions.push(extension(EXT_SERVER_NAME, vector(Buffer.concat([Buffer.from([0]), vector(name, 2)]), 2)));
  }
  extensions.push(extension(EXT_SUPPORTED_GROUPS, vector(u16List(GROUPS), 2)));
  extensions.push(extension(EXT_EC_POINT_FORMATS, vector(Buffer.from([0]), 1)));
  if (spec.version === 'TLSv1.2') {
    extensions.push(extension(EXT_SIGNATURE_ALGORITHMS, vector(u16List(SIGNATURE_ALGORITHMS), 2)));
  }
  extensions.push(extension(EXT_EXTENDED_MASTER_SECRET, Buffer.alloc(0)));
  extensions.push(extension(EXT_RENEGOTIATION_INFO, vector(Buffer.alloc(0), 1)));

  const body = Buffer.concat([
    u16(wireVersion(spec.version)),
    random,
    vector(Buffer.alloc(0), 1), // no session to resume
    vector(u16List(spec.suites), 2),
    vector(Buffer.from([0]), 1), // null compression only
    vector(Buffer.concat(extensions), 2),
  ]);
  const handshake = Buffer.concat([Buffer.from([1]), vector(body, 3)]);
  // Record version 1.0 for the first flight, as OpenSSL does: some old servers reject anything else here.
  return Buffer.concat([Buffer.from([22]), u16(0x0301), vector(handshake, 2)]);
}
