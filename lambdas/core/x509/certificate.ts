/**
 * The certificate domain class: one X.509 certificate parsed with pkijs, with the facts certwatch
 * reports (fingerprints, names, dates, keys) and the few checks path validation needs.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CoreError } from '../errors';
import type { Cert } from '../observation';
import { type CertificateParts, certificateParts, serialHex } from './der';
import {
  ATTRIBUTE_COMMON_NAME,
  ATTRIBUTE_EMAIL_ADDRESS,
  attributeValues,
  canonicalName,
  countAttributes,
  formatName,
} from './dn';
import { type ExtensionProfile, KU_KEY_CERT_SIGN, readExtensionProfile } from './extensions';
import { SIGNATURE_ALGORITHMS } from './oids';
import { describePublicKey, type PublicKeyFacts, publicKeyFacts } from './public-key';

/** Largest certificate accepted (docs/observation.md "One probe"). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** Longest chain accepted (docs/observation.md "One probe"). */
export const MAX_CHAIN_CERTIFICATES = 16;

// Google serves the same few certificates to every endpoint of a cycle: parse each once.
const CACHE_LIMIT = 1024;
// pkijs keeps about 1 KiB per ASN.1 node: a hostile 40 KiB certificate costs ~9 MiB. Real ones are < 8 KiB.
const CACHE_MAX_CERTIFICATE_BYTES = 8 * 1024;
// Up to this size pkijs parses at once (a few ms), so bytes it cannot read are CHAIN_UNPARSEABLE at the
// door; larger (hostile) certificates are parsed only if a path through them passes certwatch's checks.
const EAGER_PKIJS_BYTES = 8 * 1024;
const parsed = new Map<string, Certificate>();

const sha = (algorithm: 'sha1' | 'sha256', data: Uint8Array) => createHash(algorithm).update(data).digest();

function unparseable(message: string, cause?: unknown): CoreError {
  return new CoreError('CHAIN_UNPARSEABLE', message, { cause });
}

/**
 * One X.509 certificate. Instances are immutable; `fromDer` returns the same instance for the same
 * bytes while it is cached, so per-certificate work (hashes, signature checks) is done once.
 */
export class Certificate {
  /** The DER bytes, exactly as given. */
  readonly der: Buffer;
  /** SHA-256 of the DER, lowercase hex. */
  readonly sha256: string;
  /** Subject and issuer in OpenSSL's one-line form, certificate order. */
  readonly subject: string;
  readonly issuer: string;

  readonly #notBefore: number;
  readonly #notAfter: number;
  readonly #parts: CertificateParts;
  #extensions?: ExtensionProfile;
  #publicKey?: PublicKeyFacts;
  #commonNames?: (string | null)[];
  #emailAddresses?: Uint8Array[];
  #subjectAttributes?: number;
  #subjectKey?: string;
  #issuerKey?: string;
  #spkiSha256?: string;
  #x509?: X509Certificate | null;
  #selfSigned?: boolean;
  readonly #signedBy = new Map<string, boolean>();
  #pkijs?: pkijs.Certificate;

  private constructor(der: Buffer, sha256: string, parts: CertificateParts) {
    this.der = der;
    this.sha256 = sha256;
    this.#parts = parts;
    this.subject = formatName(parts.subject);
    this.issuer = formatName(parts.issuer);
    this.#notBefore = parts.notBefore;
    this.#notAfter = parts.notAfter;
  }

  /**
   * The pkijs view of the certificate (do not mutate: instances are shared). Parsed on first use:
   * asn1js takes time that grows faster than the size (about 1 s for 55 KB), so only paths that pass
   * certwatch's own checks pay for it. Throws CoreError CHAIN_UNPARSEABLE when pkijs cannot read it.
   */
  get pkijs(): pkijs.Certificate {
    if (!this.#pkijs) {
      try {
        const asn1 = asn1js.fromBER(this.der);
        if (asn1.offset === -1) throw new Error(asn1.result.error || 'malformed BER');
        this.#pkijs = new pkijs.Certificate({ schema: asn1.result });
      } catch (error) {
        throw unparseable(`not an X.509 certificate: ${(error as Error)?.message ?? String(error)}`, error);
      }
    }
    return this.#pkijs;
  }

  /**
   * Parses one DER certificate. Throws CoreError CHAIN_UNPARSEABLE, and nothing else, for bytes that
   * are not exactly one certificate (garbage, truncation, trailing bytes, more than 64 KiB).
   */
  static fromDer(der: Uint8Array): Certificate {
    // Checked by tag, not instanceof, so that bytes from another realm (vm, jest) are accepted.
    if (Object.prototype.toString.call(der) !== '[object Uint8Array]') throw unparseable('certificate bytes expected');
    if (der.length === 0) throw unparseable('empty certificate');
    if (der.length > MAX_CERTIFICATE_BYTES) {
      throw unparseable(`certificate of ${der.length} bytes exceeds the ${MAX_CERTIFICATE_BYTES}-byte limit`);
    }
    const sha256 = sha('sha256', der).toString('hex');
    const cached = parsed.get(sha256);
    if (cached) return cached;
    const copy = Buffer.from(der);
    let certificate: Certificate;
    try {
      certificate = new Certificate(copy, sha256, certificateParts(copy));
      if (copy.length <= EAGER_PKIJS_BYTES) void certificate.pkijs;
    } catch (error) {
      if (error instanceof CoreError) throw error;
      throw unparseable(`not an X.509 certificate: ${(error as Error)?.message ?? String(error)}`, error);
    }
    if (copy.length <= CACHE_MAX_CERTIFICATE_BYTES) {
      if (parsed.size >= CACHE_LIMIT) parsed.delete(parsed.keys().next().value as string);
      parsed.set(sha256, certificate);
    }
    return certificate;
  }

  /** Start of the validity period (a fresh Date: instances are shared). */
  get notBefore(): Date {
    return new Date(this.#notBefore);
  }

  /** End of the validity period. */
  get notAfter(): Date {
    return new Date(this.#notAfter);
  }

  /** SHA-1 of the DER, lowercase hex. */
  get sha1(): string {
    return sha('sha1', this.der).toString('hex');
  }

  /** Base64 SHA-256 of the DER SubjectPublicKeyInfo (an HPKP/DANE style pin). */
  get spkiSha256(): string {
    this.#spkiSha256 ??= sha('sha256', this.#parts.spki).toString('base64');
    return this.#spkiSha256;
  }

  /** The DER SubjectPublicKeyInfo (what SPKI pins and TLSA selector 1 digest). */
  get spkiDer(): Uint8Array {
    return this.#parts.spki;
  }

  /** Canonical forms of subject and issuer: equal exactly when the names match (RFC 5280 §7.1). */
  get subjectKey(): string {
    this.#subjectKey ??= canonicalName(this.#parts.subject);
    return this.#subjectKey;
  }

  get issuerKey(): string {
    this.#issuerKey ??= canonicalName(this.#parts.issuer);
    return this.#issuerKey;
  }

  /** The subject Name as encoded (DER). */
  get subjectDer(): Uint8Array {
    return this.#parts.subject;
  }

  /** Serial number, lowercase hex as `openssl x509 -serial` prints it. */
  get serial(): string {
    return serialHex(this.#parts.serial);
  }

  /** The extensions that path validation and the model use. */
  get extensions(): ExtensionProfile {
    this.#extensions ??= readExtensionProfile(this.#parts.extensions);
    return this.#extensions;
  }

  /** Algorithm, size and curve of the subject public key. */
  get publicKey(): PublicKeyFacts {
    this.#publicKey ??= publicKeyFacts(this.#parts.spki);
    return this.#publicKey;
  }

  /** The subject's commonName values in order (null for one that is not a string). */
  get commonNames(): (string | null)[] {
    this.#commonNames ??= attributeValues(this.#parts.subject, ATTRIBUTE_COMMON_NAME).map((v) => v.text);
    return this.#commonNames;
  }

  /** How many attributes the subject has (every RDN's), for work caps. */
  get subjectAttributeCount(): number {
    this.#subjectAttributes ??= countAttributes(this.#parts.subject);
    return this.#subjectAttributes;
  }

  /** The subject's emailAddress values as encoded. */
  get emailAddresses(): Uint8Array[] {
    this.#emailAddresses ??= attributeValues(this.#parts.subject, ATTRIBUTE_EMAIL_ADDRESS).map((v) => v.bytes);
    return this.#emailAddresses;
  }

  /** True for a CA certificate (basicConstraints cA). */
  get isCa(): boolean {
    return this.extensions.basicConstraints?.ca === true;
  }

  /** True when the key usage, if present, allows signing certificates. */
  get mayIssueCertificates(): boolean {
    const usage = this.extensions.keyUsage;
    return usage === null || (usage & KU_KEY_CERT_SIGN) !== 0;
  }

  /** Subject and issuer are the same name. */
  get isSelfIssued(): boolean {
    return this.subjectKey === this.issuerKey;
  }

  /** Self-issued and its signature verifies with its own key. */
  get selfSigned(): boolean {
    this.#selfSigned ??= this.isSelfIssued && this.isSignedBy(this);
    return this.#selfSigned;
  }

  /** Node's (OpenSSL's) view of the certificate, or null when OpenSSL cannot parse it. */
  get x509(): X509Certificate | null {
    if (this.#x509 === undefined) {
      try {
        this.#x509 = new X509Certificate(this.der);
      } catch {
        this.#x509 = null;
      }
    }
    return this.#x509;
  }

  /** Whether `issuer`'s key verifies this certificate's signature (OpenSSL, synchronous, memoised). */
  isSignedBy(issuer: Certificate): boolean {
    let verdict = this.#signedBy.get(issuer.sha256);
    if (verdict === undefined) {
      const own = this.x509;
      const their = issuer.x509;
      try {
        verdict = own !== null && their !== null && own.verify(their.publicKey);
      } catch {
        verdict = false;
      }
      this.#signedBy.set(issuer.sha256, verdict);
    }
    return verdict;
  }

  /** Same subject name and same public key: one stands for the other as a trust anchor. */
  isEquivalentTo(other: Certificate): boolean {
    return this.spkiSha256 === other.spkiSha256 && this.subjectKey === other.subjectKey;
  }

  /**
   * The observation model of this certificate. Synchronous: `selfSigned` needs a signature check, done
   * with OpenSSL only for self-issued certificates and memoised.
   */
  toModel(): Cert {
    const oid = this.#parts.signatureAlgorithm;
    return {
      sha256: this.sha256,
      sha1: this.sha1,
      spkiSha256: this.spkiSha256,
      subject: this.subject,
      issuer: this.issuer,
      serial: this.serial,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      sans: [...this.extensions.altNames],
      keyAlgorithm: describePublicKey(this.#parts.spki),
      signatureAlgorithm: SIGNATURE_ALGORITHMS[oid] ?? oid,
      selfSigned: this.selfSigned,
    };
  }
}

/** A presented chain, parsed; or the first certificate that could not be. */
export type ParsedChain =
  | { ok: true; certificates: Certificate[] }
  | { ok: false; error: { code: 'CHAIN_UNPARSEABLE'; message: string; index: number } };

/** Parses a presented chain (leaf first), enforcing the limits of docs/observation.md (≤ 16 certs, ≤ 64 KiB each). */
export function parseChain(ders: readonly Uint8Array[]): ParsedChain {
  if (ders.length > MAX_CHAIN_CERTIFICATES) {
    const message = `chain of ${ders.length} certificates exceeds the limit of ${MAX_CHAIN_CERTIFICATES}`;
    return { ok: false, error: { code: 'CHAIN_UNPARSEABLE', message, index: MAX_CHAIN_CERTIFICATES } };
  }
  const certificates: Certificate[] = [];
  for (const [index, der] of ders.entries()) {
    try {
      certificates.push(Certificate.fromDer(der));
    } catch (error) {
      const message = `certificate ${index} of the chain: ${(error as Error).message}`;
      return { ok: false, error: { code: 'CHAIN_UNPARSEABLE', message, index } };
    }
  }
  return { ok: true, certificates };
}
