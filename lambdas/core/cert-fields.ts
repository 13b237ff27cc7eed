/**
 * The facts of one certificate, declared once: the observation's `Cert` (contract), the history's
 * `CertRecord` and the notices' `CertFacts` all derive from this field list.
 */

/** What certwatch knows of one certificate from its DER bytes (the observation's `Cert`, contract). */
export interface CertFields {
  /** SHA-256 of the DER, lowercase hex without separators. */
  sha256: string;
  /** SHA-1 of the DER, lowercase hex without separators. */
  sha1: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, base64 (an HPKP/DANE style pin). */
  spkiSha256: string;
  /** Distinguished name in OpenSSL's one-line order, e.g. `C=US, O=Google Trust Services, CN=WR2`. */
  subject: string;
  issuer: string;
  /** Serial number, lowercase hex without separators. */
  serial: string;
  /** ISO 8601 instants. */
  notBefore: string;
  notAfter: string;
  /** Subject alternative names: DNS names as written, IP addresses in their usual text form. */
  sans: string[];
  /** e.g. `ECDSA P-256`, `RSA 2048`, `Ed25519`. */
  keyAlgorithm: string;
  /** OpenSSL's name, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`. */
  signatureAlgorithm: string;
  /** Subject equals issuer and the certificate's signature verifies with its own key. */
  selfSigned: boolean;
  /**
   * Leaves only, when Certificate Transparency is on (docs/ct.md): SHA-256 of the tbsCertificate without the
   * SCT-list and poison extensions, the key that links the served leaf to its logged (pre)certificate.
   */
  ctLinkKey?: string;
}

/** Where a certificate sat in the presented chain. */
export type CertRole = 'leaf' | 'chain';
