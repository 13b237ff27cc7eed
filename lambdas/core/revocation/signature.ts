/**
 * Signature checks over bytes that may arrive in pieces: a CRL's tbsCertList is hashed while it is read
 * (a CRL can be megabytes), an OCSP response's tbsResponseData at once. node:crypto does the work; this
 * module maps an AlgorithmIdentifier (RFC 5280 §4.1.1.2, RFC 4055 for RSASSA-PSS) to its parameters.
 */
import { constants, createPublicKey, createVerify, type KeyObject, type Verify, verify } from 'node:crypto';
import { children, content, DerError, decodeOid, readTlv, TAG_OID, TAG_SEQUENCE } from '../x509/der';
import { DIGESTS, SIGNATURE_ALGORITHMS } from '../x509/oids';

/** Hash of each RSA PKCS#1 v1.5 and ECDSA signature algorithm. */
const HASH_OF: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';

/** EdDSA cannot hash as it reads: it needs the whole message, so such signed data is held up to this size. */
export const MAX_EDDSA_SIGNED_BYTES = 1024 * 1024;

/** A signature check fed the signed bytes piece by piece. */
export interface SignatureCheck {
  update(bytes: Uint8Array): void;
  /** Whether `signature` (the BIT STRING's content octets, unused-bits octet first) verifies. Once. */
  verify(signature: Uint8Array): boolean;
}

/** An algorithm certwatch cannot check, or a malformed one (code in the message). */
export class UnsupportedSignatureError extends Error {
  override name = 'UnsupportedSignatureError';
}

function pssSaltLength(der: Uint8Array, params: number | undefined): { hash: string; saltLength: number } {
  // RSASSA-PSS-params (RFC 4055 §3.1): every field has a default (SHA-1, MGF1-SHA-1, 20).
  let hash = 'sha1';
  let saltLength = 20;
  if (params === undefined) return { hash, saltLength };
  const sequence = readTlv(der, params);
  if (sequence.tag !== TAG_SEQUENCE) throw new DerError('RSASSA-PSS-params: expected SEQUENCE');
  for (const field of children(der, sequence)) {
    if (field.tag === 0xa0) {
      const [algorithm] = children(der, field);
      const [oid] = children(der, algorithm ?? field);
      hash = DIGESTS[decodeOid(content(der, oid ?? field))] ?? 'unknown';
    } else if (field.tag === 0xa2) {
      const [integer] = children(der, field);
      saltLength = [...content(der, integer ?? field)].reduce((n, b) => n * 256 + b, 0);
    }
  }
  if (hash === 'unknown') throw new UnsupportedSignatureError('RSASSA-PSS with an unknown hash');
  return { hash, saltLength };
}

function publicKey(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new UnsupportedSignatureError(`the signer's public key cannot be used: ${(cause as Error).message}`);
  }
}

/**
 * Starts a check of a signature made with the algorithm `algorithmDer` (a whole AlgorithmIdentifier)
 * by the key `spki` (a whole SubjectPublicKeyInfo).
 * @throws UnsupportedSignatureError for an algorithm or key certwatch cannot check.
 */
export function startSignatureCheck(algorithmDer: Uint8Array, spki: Uint8Array): SignatureCheck {
  let oid: string;
  let params: number | undefined;
  try {
    const sequence = readTlv(algorithmDer, 0);
    const [id, parameters] = children(algorithmDer, sequence);
    if (!id || id.tag !== TAG_OID) throw new DerError('AlgorithmIdentifier: no algorithm');
    oid = decodeOid(content(algorithmDer, id));
    params = parameters?.start;
  } catch (cause) {
    throw new UnsupportedSignatureError(`malformed signature algorithm: ${(cause as Error).message}`);
  }
  const key = publicKey(spki);
  if (oid === ED25519 || oid === ED448) return eddsaCheck(key);
  let hash = HASH_OF[oid];
  let options: { padding?: number; saltLength?: number } = {};
  if (oid === RSA_PSS) {
    const pss = pssSaltLength(algorithmDer, params);
    hash = pss.hash;
    options = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength };
  }
  if (!hash)
    throw new UnsupportedSignatureError(`signature algorithm ${SIGNATURE_ALGORITHMS[oid] ?? oid} is not supported`);
  const verifier: Verify = createVerify(hash);
  return {
    update: (bytes) => {
      verifier.update(bytes);
    },
    verify: (signature) => {
      if (signature.length < 1 || signature[0] !== 0) return false;
      try {
        return verifier.verify({ key, ...options }, signature.subarray(1));
      } catch {
        return false;
      }
    },
  };
}

function eddsaCheck(key: KeyObject): SignatureCheck {
  const pieces: Buffer[] = [];
  let size = 0;
  return {
    update: (bytes) => {
      size += bytes.length;
      if (size > MAX_EDDSA_SIGNED_BYTES) {
        throw new UnsupportedSignatureError(`EdDSA-signed data over ${MAX_EDDSA_SIGNED_BYTES} bytes is not checked`);
      }
      pieces.push(Buffer.from(bytes));
    },
    verify: (signature) => {
      if (signature.length < 1 || signature[0] !== 0) return false;
      try {
        return verify(null, Buffer.concat(pieces), key, signature.subarray(1));
      } catch {
        return false;
      }
    },
  };
}

/** One-shot form: whether `signature` over `data` verifies. Throws UnsupportedSignatureError like the above. */
export function verifySignature(
  algorithmDer: Uint8Array,
  spki: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const check = startSignatureCheck(algorithmDer, spki);
  check.update(data);
  return check.verify(signature);
}
