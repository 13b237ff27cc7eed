/**
 * The revocation sources a certificate names: its CRL distribution points (RFC 5280 §4.2.1.13) and the
 * OCSP responders of its authorityInfoAccess (§4.2.2.1). Read with the core's DER reader; malformed
 * extensions are reported, never thrown.
 */
import type { Certificate } from '../x509/certificate';
import {
  certificateParts,
  children,
  content,
  DerError,
  decodeOid,
  readTlv,
  TAG_OID,
  TAG_SEQUENCE,
  type Tlv,
} from '../x509/der';
import { AD_OCSP, EXT_AUTHORITY_INFO_ACCESS, EXT_CRL_DISTRIBUTION_POINTS } from '../x509/oids';

/** A GeneralName as encoded: its context tag (0x86 URI, 0xa4 directoryName, ...) and content. */
export interface NameEntry {
  tag: number;
  value: Uint8Array;
}

/** The name of a distribution point: a list of GeneralNames, or a name relative to the CRL issuer. */
export type DistributionPointName =
  | { kind: 'full'; names: NameEntry[] }
  | { kind: 'relative'; rdn: Uint8Array }
  | { kind: 'absent' };

/** One DistributionPoint of a certificate. */
export interface DistributionPoint {
  name: DistributionPointName;
  /** ReasonFlags as a bit mask (bit i = reason code i), or null when the point covers every reason. */
  reasons: number | null;
  /** True when cRLIssuer is present: the CRL is signed by someone else (an indirect CRL). */
  indirect: boolean;
  /** The http(s) URIs among the full names, in order. */
  urls: string[];
}

/** What a certificate names. */
export interface RevocationSources {
  crl: DistributionPoint[];
  /** http(s) URIs of the OCSP responders. */
  ocsp: string[];
  /** URIs named but not fetchable (LDAP, file, ...), for the reason given when nothing else is. */
  unusable: string[];
  /** Malformed extensions, one line each. */
  problems: string[];
}

const TAG_URI = 0x86;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** GeneralNames: a SEQUENCE of context-tagged names, here as the content of its (implicit) wrapper. */
export function generalNames(buf: Uint8Array, wrapper: Tlv): NameEntry[] {
  return children(buf, wrapper).map((name) => ({ tag: name.tag, value: content(buf, name) }));
}

/** DistributionPointName inside its explicit [0] wrapper (shared with the CRL's issuingDistributionPoint). */
export function distributionPointName(buf: Uint8Array, wrapper: Tlv): DistributionPointName {
  const inner = children(buf, wrapper);
  if (inner.length !== 1) throw new DerError('DistributionPointName: expected one choice');
  const [choice] = inner;
  if (choice.tag === 0xa0) return { kind: 'full', names: generalNames(buf, choice) };
  if (choice.tag === 0xa1) return { kind: 'relative', rdn: content(buf, choice) };
  throw new DerError(`DistributionPointName: unexpected tag 0x${choice.tag.toString(16)}`);
}

/** ReasonFlags (a BIT STRING's content octets) as a mask: bit i = reason code i. */
export function reasonMask(bits: Uint8Array): number {
  if (bits.length < 1 || bits[0] > 7) throw new DerError('ReasonFlags: bad BIT STRING');
  let mask = 0;
  for (let i = 0; i < (bits.length - 1) * 8 && i < 16; i++) {
    if (bits[1 + (i >> 3)] & (0x80 >> (i & 7))) mask |= 1 << i;
  }
  return mask;
}

/** Every reason a complete CRL covers: bits 1–6 and 8–10 of ReasonFlags (RFC 5280 §6.3.3 (d)). */
export const ALL_REASONS = 0b111_0111_1110;

function urlsOf(names: readonly NameEntry[]): { urls: string[]; other: string[] } {
  const uris = names.filter((n) => n.tag === TAG_URI).map((n) => ascii(n.value));
  return { urls: uris.filter((u) => HTTP_URL.test(u)), other: uris.filter((u) => !HTTP_URL.test(u)) };
}

function readDistributionPoints(value: Uint8Array, sources: RevocationSources): void {
  const list = readTlv(value, 0);
  if (list.tag !== TAG_SEQUENCE || list.end !== value.length) throw new DerError('expected one SEQUENCE');
  for (const point of children(value, list)) {
    if (point.tag !== TAG_SEQUENCE) throw new DerError('DistributionPoint: expected SEQUENCE');
    const dp: DistributionPoint = { name: { kind: 'absent' }, reasons: null, indirect: false, urls: [] };
    for (const field of children(value, point)) {
      if (field.tag === 0xa0) dp.name = distributionPointName(value, field);
      else if (field.tag === 0x81) dp.reasons = reasonMask(content(value, field));
      else if (field.tag === 0xa2) dp.indirect = true;
      else throw new DerError(`DistributionPoint: unexpected tag 0x${field.tag.toString(16)}`);
    }
    if (dp.name.kind === 'full') {
      const { urls, other } = urlsOf(dp.name.names);
      dp.urls = urls;
      sources.unusable.push(...other);
    }
    sources.crl.push(dp);
  }
}

function readOcspUrls(value: Uint8Array, sources: RevocationSources): void {
  const list = readTlv(value, 0);
  if (list.tag !== TAG_SEQUENCE || list.end !== value.length) throw new DerError('expected one SEQUENCE');
  for (const description of children(value, list)) {
    const [method, location] = children(value, description);
    if (!method || !location || method.tag !== TAG_OID) throw new DerError('AccessDescription: malformed');
    if (decodeOid(content(value, method)) !== AD_OCSP || location.tag !== TAG_URI) continue;
    const uri = ascii(content(value, location));
    if (HTTP_URL.test(uri)) sources.ocsp.push(uri);
    else sources.unusable.push(uri);
  }
}

/** The sources `cert` names. Never throws: a malformed extension is a problem, and names nothing. */
export function revocationSources(cert: Certificate): RevocationSources {
  const sources: RevocationSources = { crl: [], ocsp: [], unusable: [], problems: [] };
  for (const ext of certificateParts(cert.der).extensions) {
    try {
      if (ext.oid === EXT_CRL_DISTRIBUTION_POINTS) readDistributionPoints(ext.value, sources);
      else if (ext.oid === EXT_AUTHORITY_INFO_ACCESS) readOcspUrls(ext.value, sources);
    } catch (error) {
      const name = ext.oid === EXT_CRL_DISTRIBUTION_POINTS ? 'cRLDistributionPoints' : 'authorityInfoAccess';
      sources.problems.push(`malformed ${name} extension (${(error as Error).message})`);
    }
  }
  sources.ocsp = [...new Set(sources.ocsp)];
  return sources;
}

/** Whether the certificate names any source at all (else its status is `none`). */
export function namesAnySource(sources: RevocationSources): boolean {
  return sources.crl.length > 0 || sources.ocsp.length > 0 || sources.unusable.length > 0;
}
