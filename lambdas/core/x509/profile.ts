/**
 * certwatch's certificate profile: the rules browsers and rustls/webpki apply to a TLS server's chain
 * on top of RFC 5280 §6 path processing (docs/trust-profile.md lists them, with their sources and the
 * real chains they touch). Each check names the first rule a certificate breaks, or null.
 */
import type { Certificate } from './certificate';
import { ipAddressText, KU_KEY_CERT_SIGN } from './extensions';
import { EXT_BASIC_CONSTRAINTS, EXT_SUBJECT_ALT_NAME } from './oids';

/** Where a certificate sits in the path. */
export type ProfileRole = 'leaf' | 'intermediate' | 'trust anchor';

/** Smallest RSA modulus accepted anywhere in a path (CA/B Forum BR 6.1.5). */
export const MIN_RSA_BITS = 2048;
/** Curves accepted for ECDSA keys (CA/B Forum BR 6.1.5; what webpki verifies). */
const CURVES = new Set(['P-256', 'P-384', 'P-521']);

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why a key is refused: RSA under 2048 bits or not a whole number of bytes, odd curves, DSA, unknown. */
export function keyProblem(cert: Certificate): string | null {
  const key = cert.publicKey;
  switch (key.algorithm) {
    case 'RSA':
    case 'RSA-PSS':
      if (key.bits === null || key.bits < MIN_RSA_BITS)
        return `its RSA key of ${key.bits} bits is under ${MIN_RSA_BITS}`;
      if (key.bits % 8 !== 0) return `its RSA key of ${key.bits} bits is not a whole number of bytes`;
      return null;
    case 'ECDSA':
      return key.curve !== null && CURVES.has(key.curve) ? null : `its ECDSA key on ${key.curve} is not allowed`;
    case 'Ed25519':
    case 'Ed448':
      return null;
    case 'DSA':
      return 'its DSA key is not allowed';
    default:
      return `its key algorithm ${key.oid ?? 'unknown'} is not allowed`;
  }
}

/**
 * Whether `name` is a dNSName in preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034 §3.5 as amended
 * by RFC 1123): LDH labels, no underscore, no trailing dot, at most 253 octets; a wildcard only as the
 * whole leftmost label and followed by at least two labels (never `*` or `*.com`).
 */
export function isPreferredDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  if (wildcard && rest.length < 2) return false;
  return rest.every((label) => LDH_LABEL.test(label));
}

/**
 * Whether a browser's URL parser would read `text` as an IP address (WHATWG URL host parsing): it
 * contains a colon (IPv6), or its last label is a number (decimal, or hex with `0x`), as in
 * `0xC0A80101` or `192.168.001.001`.
 */
function looksLikeIp(text: string): boolean {
  if (text.includes(':')) return true;
  const labels = text.split('.');
  const last =
    labels[labels.length - 1] === '' && labels.length > 1 ? labels[labels.length - 2] : labels[labels.length - 1];
  return /^(?:\d+|0x[0-9a-f]*)$/i.test(last);
}

function sanTexts(cert: Certificate, tag: number): string[] {
  return cert.extensions.generalNames
    .filter((name) => name.tag === tag)
    .map((name) => (tag === 0x87 ? ipAddressText(name.value) : String.fromCharCode(...name.value)));
}

/**
 * CA/B Forum BR 7.1.4.3: the commonName, if any, is one character-for-character copy of a SAN. An
 * address-like CN must copy an iPAddress SAN in its canonical text; a domain CN must copy a dNSName
 * SAN. Tolerated (docs/trust-profile.md): a domain CN that is a parent domain of a dNSName SAN (the
 * registered domain named in the CN), and a domain CN on a certificate with no dNSName SAN at all.
 */
function commonNameProblem(cert: Certificate): string | null {
  const names = cert.commonNames;
  if (names.length === 0) return null;
  if (names.length > 1) return `its subject has ${names.length} commonNames, the profile allows one`;
  const [cn] = names;
  const refused = `its commonName '${cn}' is not a copy of one of its subjectAltNames`;
  if (cn === null) return refused;
  if (looksLikeIp(cn)) return sanTexts(cert, 0x87).includes(cn) ? null : refused;
  const dns = sanTexts(cert, 0x82);
  if (dns.length === 0 || dns.some((san) => san === cn || san.endsWith(`.${cn}`))) return null;
  return refused;
}

function subjectAltNameProblem(cert: Certificate): string | null {
  const { extensions } = cert;
  const hasSan = extensions.generalNames.length > 0;
  const sanCritical = extensions.critical.includes(EXT_SUBJECT_ALT_NAME);
  if (cert.subject === '' && (!hasSan || !sanCritical)) {
    return 'its subject is empty and its subjectAltName is not critical (RFC 5280 §4.2.1.6)';
  }
  if (cert.subject !== '' && sanCritical) return 'its subjectAltName is critical while its subject is not empty';
  for (const name of extensions.generalNames) {
    if (name.tag !== 0x82) continue;
    const text = String.fromCharCode(...name.value);
    if (!isPreferredDnsName(text)) return `its dNSName '${text}' is not in preferred name syntax`;
  }
  return null;
}

function keyIdProblem(cert: Certificate, role: ProfileRole): string | null {
  const { subjectKeyId, authorityKeyIdentifier: aki } = cert.extensions;
  if (role !== 'leaf' && cert.isCa && subjectKeyId === null) return 'it is a CA without a subjectKeyIdentifier';
  if (role === 'trust anchor') {
    if (aki === null) return null;
    if (aki.keyId === null) return 'its authorityKeyIdentifier has no keyIdentifier';
    if (aki.issuerAndSerial) return 'its authorityKeyIdentifier names an issuer and serial number';
    if (cert.isSelfIssued && aki.keyId !== subjectKeyId)
      return 'its authorityKeyIdentifier differs from its subjectKeyIdentifier';
    return null;
  }
  if (aki?.keyId == null && !cert.selfSigned)
    return 'it has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)';
  return null;
}

function leafRoleProblem(cert: Certificate): string | null {
  if (cert.isCa) return 'it is a CA certificate (basicConstraints cA) in the leaf position';
  const usage = cert.extensions.keyUsage;
  if (usage !== null && (usage & KU_KEY_CERT_SIGN) !== 0) return 'its keyUsage asserts keyCertSign without cA';
  return null;
}

function anchorProblem(cert: Certificate): string | null {
  if (cert.isCa && !cert.extensions.critical.includes(EXT_BASIC_CONSTRAINTS)) {
    return 'its basicConstraints is not critical (RFC 5280 §4.2.1.9)';
  }
  return null;
}

/** The encoding rules for an anchor (key identifiers, basicConstraints critical), shipped or not. */
export function anchorEncodingProblem(cert: Certificate): string | null {
  return keyIdProblem(cert, 'trust anchor') ?? anchorProblem(cert);
}

/**
 * The first profile rule `cert` breaks in `role`, or null. `builtInAnchor`: the anchor comes from a
 * root program's list (`TrustStore.isBuiltIn`) and is trusted as shipped, as browsers and webpki trust
 * an anchor: by its name, key and name constraints. Its encoding (key identifiers, basicConstraints
 * criticality) predates the anchor rules in a few cases (QuoVadis Root CA 2 and 3, Certigna, Chunghwa
 * ePKI, TWCA Global Root CA in Node's store; Go Daddy and Starfield Class 2 in pki.goog's), and
 * refusing those would refuse every chain they anchor. Key strength applies to every anchor.
 */
export function profileProblem(cert: Certificate, role: ProfileRole, builtInAnchor = false): string | null {
  if (role === 'trust anchor') return keyProblem(cert) ?? (builtInAnchor ? null : anchorEncodingProblem(cert));
  const leafRules =
    role === 'leaf' ? (leafRoleProblem(cert) ?? subjectAltNameProblem(cert) ?? commonNameProblem(cert)) : null;
  return keyProblem(cert) ?? keyIdProblem(cert, role) ?? leafRules;
}
