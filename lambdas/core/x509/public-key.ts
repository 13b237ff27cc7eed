/**
 * Human description of a SubjectPublicKeyInfo: `RSA 2048`, `ECDSA P-256`, `Ed25519`.
 */
import {
  children,
  content,
  DerError,
  decodeOid,
  readTlv,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_OID,
  TAG_SEQUENCE,
} from './der';
import { CURVES, KEY_DSA, KEY_EC, KEY_ED448, KEY_ED25519, KEY_RSA, KEY_RSA_PSS } from './oids';

function bitLength(integer: Uint8Array): number {
  let i = 0;
  while (i < integer.length - 1 && integer[i] === 0) i++;
  if (i >= integer.length) return 0;
  return (integer.length - i - 1) * 8 + (32 - Math.clz32(integer[i]));
}

function firstIntegerBits(buf: Uint8Array, container: ReturnType<typeof readTlv>): number {
  const [first] = children(buf, container);
  if (first?.tag !== TAG_INTEGER) throw new DerError('expected INTEGER');
  return bitLength(content(buf, first));
}

/** Describes the key of a DER SubjectPublicKeyInfo; unknown algorithms come back as their OID. */
export function describePublicKey(spki: Uint8Array): string {
  try {
    const [algorithm, key] = children(spki, readTlv(spki, 0));
    const [oidTlv, params] = children(spki, algorithm);
    if (oidTlv?.tag !== TAG_OID || key?.tag !== TAG_BIT_STRING) return 'unknown';
    const oid = decodeOid(content(spki, oidTlv));
    const bits = content(spki, key).subarray(1);
    switch (oid) {
      case KEY_RSA:
      case KEY_RSA_PSS: {
        const modulus = firstIntegerBits(bits, readTlv(bits, 0));
        return `${oid === KEY_RSA ? 'RSA' : 'RSA-PSS'} ${modulus}`;
      }
      case KEY_EC: {
        const curve = params?.tag === TAG_OID ? decodeOid(content(spki, params)) : 'explicit-parameters';
        return `ECDSA ${CURVES[curve] ?? curve}`;
      }
      case KEY_ED25519:
        return 'Ed25519';
      case KEY_ED448:
        return 'Ed448';
      case KEY_DSA:
        return params?.tag === TAG_SEQUENCE ? `DSA ${firstIntegerBits(spki, params)}` : 'DSA';
      default:
        return oid;
    }
  } catch {
    return 'unknown';
  }
}
