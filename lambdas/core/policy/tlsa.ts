/**
 * DANE TLSA records (RFC 6698) as RFC 7672 applies them to SMTP: DANE-EE(3) is a digest match of the
 * leaf alone, with no name or date checks; DANE-TA(2) makes a presented certificate matching the record
 * the trust anchor of a path that must then validate (dates, signatures) and name the host.
 * PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (§3.1.3).
 */
import { createHash } from 'node:crypto';
import type { Certificate } from '../x509/certificate';
import type { TlsaRecord } from './model';

const DIGEST_LENGTH: Record<number, number> = { 1: 64, 2: 128 };
const USAGE_NAMES = ['PKIX-TA', 'PKIX-EE', 'DANE-TA', 'DANE-EE'];

/** Reads `U S M HEX` (DNS presentation form; the hex may be split by spaces), or says why not. */
export function parseTlsa(text: string): TlsaRecord | string {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 4) return 'expected "USAGE SELECTOR MATCHING-TYPE HEX", e.g. "3 1 1 <64 hex>"';
  const [u, s, m] = fields.slice(0, 3).map((f) => (/^\d$/.test(f) ? Number(f) : Number.NaN));
  const data = fields.slice(3).join('').toLowerCase();
  if (!(u >= 0 && u <= 3)) return `usage "${fields[0]}" is not 0-3`;
  if (u === 0 || u === 1) {
    return `usage ${u} (${USAGE_NAMES[u]}) is unusable for SMTP (RFC 7672 §3.1.3): use 3 (DANE-EE) or 2 (DANE-TA)`;
  }
  if (!(s === 0 || s === 1)) return `selector "${fields[1]}" is not 0 (certificate) or 1 (public key)`;
  if (!(m >= 0 && m <= 2)) return `matching type "${fields[2]}" is not 0 (exact), 1 (SHA-256) or 2 (SHA-512)`;
  if (!/^[0-9a-f]+$/.test(data) || data.length % 2 !== 0) return 'association data is not hex';
  const expected = DIGEST_LENGTH[m];
  if (expected !== undefined && data.length !== expected) {
    return `matching type ${m} needs ${expected} hex digits, got ${data.length}`;
  }
  return { usage: u, selector: s, matchingType: m, data };
}

/** DNS presentation form, `3 1 1 abcd…`. */
export function formatTlsa(record: TlsaRecord): string {
  return `${record.usage} ${record.selector} ${record.matchingType} ${record.data}`;
}

/** The association data a certificate yields under a selector and matching type. */
export function associationData(cert: Certificate, selector: number, matchingType: number): string {
  const bytes = selector === 0 ? cert.der : cert.spkiDer;
  if (matchingType === 0) return Buffer.from(bytes).toString('hex');
  return createHash(matchingType === 1 ? 'sha256' : 'sha512')
    .update(bytes)
    .digest('hex');
}

/** Whether a certificate matches a record's selector, matching type and data. */
export function tlsaMatches(record: TlsaRecord, cert: Certificate): boolean {
  return associationData(cert, record.selector, record.matchingType) === record.data;
}

/** The record a consumer would publish for a certificate (usage and selector given; SHA-256). */
export function tlsaFor(cert: Certificate, usage: 2 | 3, selector: 0 | 1 = 1): TlsaRecord {
  return { usage, selector, matchingType: 1, data: associationData(cert, selector, 1) };
}

/** The owner name of a service's TLSA records (RFC 7672 §2.2.3): `_PORT._tcp.HOST`. */
export function tlsaOwner(host: string, port: number): string {
  return `_${port}._tcp.${host.toLowerCase().replace(/\.$/, '')}`;
}
