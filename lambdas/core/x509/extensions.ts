/**
 * The certificate extensions that path validation and the model act on, decoded strictly from DER.
 * Decoding never throws: what a validator must refuse is collected in `problems`, in the way OpenSSL
 * marks such certificates invalid (duplicate or malformed extensions, unknown critical ones).
 */

import type { RawExtension } from './der';
import {
  children,
  content,
  DerError,
  decodeOid,
  readTlv,
  TAG_BIT_STRING,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  type Tlv,
} from './der';
import {
  EXT_AUTHORITY_INFO_ACCESS,
  EXT_AUTHORITY_KEY_ID,
  EXT_BASIC_CONSTRAINTS,
  EXT_EXT_KEY_USAGE,
  EXT_KEY_USAGE,
  EXT_NAME_CONSTRAINTS,
  EXT_SUBJECT_ALT_NAME,
  EXT_SUBJECT_KEY_ID,
  SUPPORTED_CRITICAL_EXTENSIONS,
} from './oids';

/** keyUsage keyCertSign (bit 5). */
export const KU_KEY_CERT_SIGN = 1 << 5;

/** One GeneralName: its context tag (0x82 dNSName, 0x87 iPAddress, 0xa4 directoryName, ...) and content. */
export interface GeneralName {
  tag: number;
  value: Uint8Array;
}

/** What the extensions of one certificate say. */
export interface ExtensionProfile {
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  /** Bit i of the KeyUsage BIT STRING as `1 << i`, or null when absent. */
  keyUsage: number | null;
  extKeyUsage: string[] | null;
  /** Lowercase hex. */
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** The authorityKeyIdentifier as encoded: its keyIdentifier (hex) and whether issuer/serial fields are present. */
  authorityKeyIdentifier: { keyId: string | null; issuerAndSerial: boolean } | null;
  /** OIDs of the extensions marked critical. */
  critical: string[];
  /** DNS names and IP addresses in the order of the certificate. */
  altNames: string[];
  /** Every subjectAltName GeneralName as encoded (tag and content), for name constraints. */
  generalNames: GeneralName[];
  /** The nameConstraints extension value, or null when absent. */
  nameConstraints: Uint8Array | null;
  /** Reasons a validator must refuse this certificate, empty when none. */
  problems: string[];
}

function whole(value: Uint8Array): Tlv {
  const tlv = readTlv(value, 0);
  if (tlv.end !== value.length) throw new DerError('trailing octets');
  return tlv;
}

function sequence(value: Uint8Array): Tlv[] {
  const tlv = whole(value);
  if (tlv.tag !== TAG_SEQUENCE) throw new DerError('expected SEQUENCE');
  return children(value, tlv);
}

function unsignedInteger(bytes: Uint8Array): number {
  if (bytes.length === 0 || bytes[0] & 0x80 || bytes.length > 4) throw new DerError('bad INTEGER');
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

function decodeBasicConstraints(value: Uint8Array) {
  const parts = sequence(value);
  let ca = false;
  let pathLen: number | null = null;
  for (const part of parts) {
    if (part.tag === 0x01) ca = content(value, part)[0] !== 0;
    else if (part.tag === 0x02) pathLen = unsignedInteger(content(value, part));
    else throw new DerError('unexpected element');
  }
  return { ca, pathLen };
}

function decodeKeyUsage(value: Uint8Array): number {
  const tlv = whole(value);
  if (tlv.tag !== TAG_BIT_STRING) throw new DerError('expected BIT STRING');
  const bits = content(value, tlv);
  if (bits.length < 1 || bits[0] > 7) throw new DerError('bad BIT STRING');
  let mask = 0;
  for (let i = 0; i < (bits.length - 1) * 8 && i < 16; i++) {
    if (bits[1 + (i >> 3)] & (0x80 >> (i & 7))) mask |= 1 << i;
  }
  return mask;
}

function decodeKeyId(value: Uint8Array): string {
  const tlv = whole(value);
  if (tlv.tag !== TAG_OCTET_STRING) throw new DerError('expected OCTET STRING');
  return Buffer.from(content(value, tlv)).toString('hex');
}

function decodeAuthorityKeyId(value: Uint8Array): { keyId: string | null; issuerAndSerial: boolean } {
  const parts = sequence(value);
  const keyId = parts.find((part) => part.tag === 0x80);
  return {
    keyId: keyId ? Buffer.from(content(value, keyId)).toString('hex') : null,
    issuerAndSerial: parts.some((part) => part.tag === 0xa1 || part.tag === 0x82),
  };
}

/** AuthorityInfoAccessSyntax: one or more AccessDescription { accessMethod OID, accessLocation GeneralName }. */
function checkAuthorityInfoAccess(value: Uint8Array): void {
  const descriptions = sequence(value);
  if (descriptions.length === 0) throw new DerError('no AccessDescription');
  for (const description of descriptions) {
    if (description.tag !== TAG_SEQUENCE) throw new DerError('AccessDescription: expected SEQUENCE');
    const parts = children(value, description);
    if (parts.length !== 2 || parts[0].tag !== 0x06 || (parts[1].tag & 0x80) === 0) {
      throw new DerError('AccessDescription: expected accessMethod and accessLocation');
    }
    decodeOid(content(value, parts[0]));
  }
}

/** Text form of an iPAddress: dotted quad for IPv4, RFC 5952 for IPv6. */
export function ipAddressText(bytes: Uint8Array): string {
  return bytes.length === 4 ? bytes.join('.') : ipv6(bytes);
}

/** RFC 5952 text form of an IPv6 address. */
function ipv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best === -1) return text.join(':');
  return `${text.slice(0, best).join(':')}::${text.slice(best + bestLength).join(':')}`;
}

function decodeAltNames(value: Uint8Array, profile: ExtensionProfile): void {
  for (const name of sequence(value)) {
    const bytes = content(value, name);
    profile.generalNames.push({ tag: name.tag, value: bytes });
    if (name.tag === 0x82) {
      profile.altNames.push(String.fromCharCode(...bytes));
    } else if (name.tag === 0x87) {
      if (bytes.length !== 4 && bytes.length !== 16) throw new DerError(`IP address of ${bytes.length} octets`);
      profile.altNames.push(ipAddressText(bytes));
    }
  }
}

function decodeExtKeyUsage(value: Uint8Array): string[] {
  return sequence(value).map((oid) => decodeOid(content(value, oid)));
}

const NAMES: Readonly<Record<string, string>> = {
  [EXT_BASIC_CONSTRAINTS]: 'basicConstraints',
  [EXT_KEY_USAGE]: 'keyUsage',
  [EXT_EXT_KEY_USAGE]: 'extendedKeyUsage',
  [EXT_SUBJECT_ALT_NAME]: 'subjectAltName',
  [EXT_SUBJECT_KEY_ID]: 'subjectKeyIdentifier',
  [EXT_AUTHORITY_KEY_ID]: 'authorityKeyIdentifier',
  [EXT_NAME_CONSTRAINTS]: 'nameConstraints',
  [EXT_AUTHORITY_INFO_ACCESS]: 'authorityInfoAccess',
};

/** Decodes the extensions that matter; never throws. */
export function readExtensionProfile(extensions: readonly RawExtension[]): ExtensionProfile {
  const profile: ExtensionProfile = {
    basicConstraints: null,
    keyUsage: null,
    extKeyUsage: null,
    subjectKeyId: null,
    authorityKeyId: null,
    authorityKeyIdentifier: null,
    critical: [],
    altNames: [],
    generalNames: [],
    nameConstraints: null,
    problems: [],
  };
  const seen = new Set<string>();
  for (const ext of extensions) {
    const name = NAMES[ext.oid] ?? ext.oid;
    if (seen.has(ext.oid)) profile.problems.push(`duplicate ${name} extension`);
    seen.add(ext.oid);
    if (ext.critical) profile.critical.push(ext.oid);
    if (ext.critical && !SUPPORTED_CRITICAL_EXTENSIONS.has(ext.oid)) {
      profile.problems.push(`unsupported critical extension ${name}`);
    }
    try {
      switch (ext.oid) {
        case EXT_BASIC_CONSTRAINTS:
          profile.basicConstraints = decodeBasicConstraints(ext.value);
          break;
        case EXT_KEY_USAGE:
          profile.keyUsage = decodeKeyUsage(ext.value);
          break;
        case EXT_EXT_KEY_USAGE:
          profile.extKeyUsage = decodeExtKeyUsage(ext.value);
          break;
        case EXT_SUBJECT_ALT_NAME:
          decodeAltNames(ext.value, profile);
          break;
        case EXT_SUBJECT_KEY_ID:
          profile.subjectKeyId = decodeKeyId(ext.value);
          break;
        case EXT_AUTHORITY_KEY_ID:
          profile.authorityKeyIdentifier = decodeAuthorityKeyId(ext.value);
          profile.authorityKeyId = profile.authorityKeyIdentifier.keyId;
          break;
        case EXT_AUTHORITY_INFO_ACCESS:
          checkAuthorityInfoAccess(ext.value);
          break;
        case EXT_NAME_CONSTRAINTS:
          profile.nameConstraints = ext.value;
          break;
      }
    } catch (error) {
      profile.problems.push(`malformed ${name} extension (${(error as Error).message})`);
    }
  }
  return profile;
}
