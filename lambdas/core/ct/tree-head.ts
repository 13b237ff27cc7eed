/**
 * Signed tree heads (RFC 6962 §3.5): the TreeHeadSignature a log signs, its `digitally-signed` wrapper
 * (RFC 5246 §4.7), and the log's key (a DER SubjectPublicKeyInfo, ECDSA P-256 or RSA, SHA-256). Both
 * protocols sign the same structure: a static-ct checkpoint carries it as an RFC6962NoteSignature.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { CtError } from './errors';
import { HASH_SIZE } from './merkle';

/** A log's public key, as the log list gives it. */
export interface LogKey {
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** SHA-256 of the SPKI: RFC 6962's LogID. */
  logId: Buffer;
  /** The signature algorithm byte of RFC 5246 (1 = rsa, 3 = ecdsa). */
  signatureAlgorithm: 1 | 3;
  key: KeyObject;
}

/** A tree head: what a log commits to at a size. Timestamps are milliseconds since the epoch. */
export interface TreeHead {
  size: number;
  timestamp: number;
  root: Buffer;
}

/** A `digitally-signed` struct. */
export interface DigitallySigned {
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}

const HASH_SHA256 = 4;

/** Reads a log key from base64 or DER SPKI; ECDSA must be on P-256. Throws CT_KEY_INVALID otherwise. */
export function parseLogKey(spki: string | Uint8Array): LogKey {
  const der = typeof spki === 'string' ? Buffer.from(spki, 'base64') : Buffer.from(spki);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    throw new CtError('CT_KEY_INVALID', 'the log key is not a DER SubjectPublicKeyInfo', { cause: error });
  }
  let signatureAlgorithm: 1 | 3;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    signatureAlgorithm = 3;
  } else if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) {
    signatureAlgorithm = 1;
  } else {
    throw new CtError('CT_KEY_INVALID', `a log key must be ECDSA P-256 or RSA ≥ 2048 bits, not ${describe(key)}`);
  }
  return { spki: der, logId: createHash('sha256').update(der).digest(), signatureAlgorithm, key };
}

function describe(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  return [key.asymmetricKeyType, details?.namedCurve, details?.modulusLength].filter(Boolean).join(' ');
}

/** The bytes a log signs for a tree head: TreeHeadSignature (version v1, signature_type tree_hash). */
export function treeHeadSignatureInput(head: TreeHead): Buffer {
  if (head.root.length !== HASH_SIZE) throw new CtError('CT_ENCODING_INVALID', 'a tree head root is 32 bytes');
  const out = Buffer.alloc(2 + 8 + 8 + HASH_SIZE);
  out[0] = 0; // v1
  out[1] = 1; // tree_hash
  out.writeBigUInt64BE(BigInt(head.timestamp), 2);
  out.writeBigUInt64BE(BigInt(head.size), 10);
  head.root.copy(out, 18);
  return out;
}

/** Reads a `digitally-signed` struct that fills `bytes` exactly. */
export function parseDigitallySigned(bytes: Uint8Array): DigitallySigned {
  if (bytes.length < 4) throw new CtError('CT_ENCODING_INVALID', 'a signature is truncated');
  const length = (bytes[2] << 8) | bytes[3];
  if (bytes.length !== 4 + length) {
    throw new CtError('CT_ENCODING_INVALID', `a signature of ${length} bytes in ${bytes.length - 4}`);
  }
  return { hashAlgorithm: bytes[0], signatureAlgorithm: bytes[1], signature: Buffer.from(bytes.subarray(4)) };
}

/** Encodes a `digitally-signed` struct (the test log and the tests sign with it). */
export function encodeDigitallySigned(signed: DigitallySigned): Buffer {
  const head = Buffer.from([signed.hashAlgorithm, signed.signatureAlgorithm, 0, 0]);
  head.writeUInt16BE(signed.signature.length, 2);
  return Buffer.concat([head, signed.signature]);
}

/**
 * Verifies a tree head's signature with the log's key. Throws CtError CT_SIGNATURE_INVALID when the
 * algorithms are not the key's or the signature does not verify.
 */
export function verifyTreeHead(key: LogKey, head: TreeHead, signed: DigitallySigned): void {
  if (signed.hashAlgorithm !== HASH_SHA256 || signed.signatureAlgorithm !== key.signatureAlgorithm) {
    throw new CtError(
      'CT_SIGNATURE_INVALID',
      `tree head signed with hash ${signed.hashAlgorithm}/signature ${signed.signatureAlgorithm}, ` +
        `not the log key's ${HASH_SHA256}/${key.signatureAlgorithm}`,
    );
  }
  let ok = false;
  try {
    ok = verify('sha256', treeHeadSignatureInput(head), key.key, signed.signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new CtError('CT_SIGNATURE_INVALID', `the signature of the tree head at size ${head.size} does not verify`);
  }
}

/** The parts of an RFC 6962 `get-sth` answer. */
export interface SthJson {
  tree_size: unknown;
  timestamp: unknown;
  sha256_root_hash: unknown;
  tree_head_signature: unknown;
}

function safeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CtError('CT_ENCODING_INVALID', `get-sth: ${what} is not a non-negative integer`);
  }
  return value;
}

function base64Field(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new CtError('CT_ENCODING_INVALID', `get-sth: ${what} is not base64`);
  }
  return Buffer.from(value, 'base64');
}

/** Reads and verifies a `get-sth` answer. Throws CT_ENCODING_INVALID or CT_SIGNATURE_INVALID. */
export function verifySth(key: LogKey, json: unknown): TreeHead {
  if (json === null || typeof json !== 'object') throw new CtError('CT_ENCODING_INVALID', 'get-sth: not an object');
  const sth = json as SthJson;
  const root = base64Field(sth.sha256_root_hash, 'sha256_root_hash');
  if (root.length !== HASH_SIZE) throw new CtError('CT_ENCODING_INVALID', 'get-sth: the root hash is not 32 bytes');
  const head: TreeHead = {
    size: safeInteger(sth.tree_size, 'tree_size'),
    timestamp: safeInteger(sth.timestamp, 'timestamp'),
    root,
  };
  verifyTreeHead(key, head, parseDigitallySigned(base64Field(sth.tree_head_signature, 'tree_head_signature')));
  return head;
}
