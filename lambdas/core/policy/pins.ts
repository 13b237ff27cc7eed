/**
 * Pins: SHA-256 digests of a leaf certificate or of its public key, in the forms people paste
 * (Postfix `fingerprint` match lists, HPKP-style `sha256/BASE64`, bare hex).
 */
import { createHash } from 'node:crypto';
import type { Certificate } from '../x509/certificate';
import type { Pin } from './model';

const HEX = /^[0-9a-f]{64}$/i;
const COLON_HEX = /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Reads one pin, or returns why it is not one: 64 hex digits (colons between octets optional) or
 * `sha256/BASE64` of 32 bytes. Anything else — another digest, a truncated value — is refused.
 */
export function parsePin(text: string): Pin | string {
  const raw = text.trim();
  if (HEX.test(raw) || COLON_HEX.test(raw)) return { text, form: 'hex', sha256: raw.replace(/:/g, '').toLowerCase() };
  if (raw.toLowerCase().startsWith('sha256/')) {
    const b64 = raw.slice(7);
    if (!BASE64_32.test(b64)) return 'after sha256/ expected the base64 of a 32-byte SHA-256 (44 characters)';
    return { text, form: 'spki', sha256: Buffer.from(b64, 'base64').toString('hex') };
  }
  if (/^[0-9a-f:]+$/i.test(raw)) {
    const digits = raw.replace(/:/g, '').length;
    const hint =
      digits === 32 ? ' (an MD5 digest? use SHA-256)' : digits === 40 ? ' (a SHA-1 digest? use SHA-256)' : '';
    return `expected 64 hex digits of SHA-256, got ${digits}${hint}`;
  }
  return 'expected 64 hex digits (colons optional) or sha256/BASE64';
}

/** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex. */
export function spkiSha256Hex(cert: Certificate): string {
  return createHash('sha256').update(cert.spkiDer).digest('hex');
}

/** What a pin matched on a leaf, or null. */
export function pinMatch(pin: Pin, leaf: Certificate): 'certificate' | 'public-key' | null {
  if (pin.form === 'hex' && pin.sha256 === leaf.sha256) return 'certificate';
  return pin.sha256 === spkiSha256Hex(leaf) ? 'public-key' : null;
}

/** `AB:CD:…` (Postfix's fingerprint form). */
export function colonUpper(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
}

/** `sha256/BASE64` of a hex SHA-256. */
export function spkiPinText(sha256Hex: string): string {
  return `sha256/${Buffer.from(sha256Hex, 'hex').toString('base64')}`;
}

/**
 * The Postfix `smtp_tls_policy_maps` line for a host and port (`[host]:port fingerprint match=A|B`),
 * digests in order, duplicates dropped.
 */
export function postfixPolicyLine(host: string, port: number, digests: readonly string[]): string {
  const unique = [...new Set(digests.map((d) => d.toLowerCase()))];
  return `[${host}]:${port} fingerprint match=${unique.map(colonUpper).join('|')}`;
}

/** Postfix before 3.6 digests with MD5 unless told otherwise: every remedy says so. */
export const POSTFIX_DIGEST_NOTE =
  'main.cf: smtp_tls_fingerprint_digest = sha256 (the default only since Postfix 3.6; older versions use md5)';
