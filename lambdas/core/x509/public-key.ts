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

/** What a SubjectPublicKeyInfo holds: the algorithm, the RSA/DSA size in bits, the EC curve. */
export interface PublicKeyFacts {
  algorithm: 'RSA' | 'RSA-PSS' | 'ECDSA' | 'Ed25519' | 'Ed448' | 'DSA' | 'unknown';
  /** Modulus (RSA) or prime (DSA) size in bits; null for other keys or when absent. */
  bits: number | null;
  /** Curve name (`P-256`), a curve OID, or `explicit-parameters`; null for non-EC keys. */
  curve: string | null;
  /** The algorithm OID, for unknown algorithms. */
  oid: string | null;
}

/** Reads the key facts of a DER SubjectPublicKeyInfo; never throws (malformed keys are `unknown`). */
export function publicKeyFacts(spki: Uint8Array): PublicKeyFacts {
  const facts: PublicKeyFacts = { algorithm: 'unknown', bits: null, curve: null, oid: null };
  try {
    const [algorithm, key] = children(spki, readTlv(spki, 0));
    const [oidTlv, params] = children(spki, algorithm);
    if (oidTlv?.tag !== TAG_OID || key?.tag !== TAG_BIT_STRING) return facts;
    const oid = decodeOid(content(spki, oidTlv));
    const bits = content(spki, key).subarray(1);
    switch (oid) {
      case KEY_RSA:
      case KEY_RSA_PSS:
        return {
          ...facts,
          algorithm: oid === KEY_RSA ? 'RSA' : 'RSA-PSS',
          bits: firstIntegerBits(bits, readTlv(bits, 0)),
        };
      case KEY_EC: {
        const curve = params?.tag === TAG_OID ? decodeOid(content(spki, params)) : 'explicit-parameters';
        return { ...facts, algorithm: 'ECDSA', curve: CURVES[curve] ?? curve };
      }
      case KEY_ED25519:
        return { ...facts, algorithm: 'Ed25519' };
      case KEY_ED448:
        return { ...facts, algorithm: 'Ed448' };
      case KEY_DSA:
        return {
          ...facts,
          algorithm: 'DSA',
          bits: params?.tag === TAG_SEQUENCE ? firstIntegerBits(spki, params) : null,
        };
      default:
        return { ...facts, oid };
    }
  } catch {
    return { algorithm: 'unknown', bits: null, curve: null, oid: null };
  }
}

/** Describes the key of a DER SubjectPublicKeyInfo; unknown algorithms come back as their OID. */
export function describePublicKey(spki: Uint8Array): string {
  const facts = publicKeyFacts(spki);
  switch (facts.algorithm) {
    case 'RSA':
    case 'RSA-PSS':
      return `${facts.algorithm} ${facts.bits}`;
    case 'ECDSA':
      return `ECDSA ${facts.curve}`;
    case 'DSA':
      return facts.bits === null ? 'DSA' : `DSA ${facts.bits}`;
    case 'unknown':
      return facts.oid ?? 'unknown';
    default:
      return facts.algorithm;
  }
}
