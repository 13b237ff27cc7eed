/**
 * Facts several notice types share: a certificate as notices describe it, a rotation's classification,
 * a failed probe, one target of a notice about a shared leaf. Facts of one type live in its module.
 */
import type { CertFields, CertRole } from '../cert-fields';
import type { KeyType, ProbeErrorCode } from '../observation';

/** The facts about one certificate that every certificate notice carries (the fields of core/cert-fields.ts it repeats). */
export interface CertFacts
  extends Pick<
    CertFields,
    'sha256' | 'subject' | 'issuer' | 'serial' | 'notBefore' | 'notAfter' | 'keyAlgorithm' | 'spkiSha256' | 'sans'
  > {
  role: CertRole;
  /** Days from the notice's instant to notAfter, floored to a tenth (core/days.ts); negative once expired. */
  daysLeft: number;
}

/** How a new leaf differs from the one it replaces. */
export type RotationClass = 'same-key-renewal' | 're-key' | 'issuer-change' | 'key-type-change';

/** The classification of a rotation, with the comparisons it was made from. */
export interface RotationFacts {
  classification: RotationClass;
  sameKey: boolean;
  sameKeyAlgorithm: boolean;
  sameIssuer: boolean;
  /** null when either anchor is unknown (chain did not validate). */
  sameAnchor: boolean | null;
}

/** One failed probe, as notices report it. */
export interface ProbeFailureFacts {
  address: string;
  keyType: KeyType;
  code: ProbeErrorCode;
  message: string;
}

/**
 * One target of a notice about a leaf several targets of the cycle share (the types with a `shared`
 * policy: NEW_CERTIFICATE, CERTIFICATE_RETIRED, CERTIFICATE_RETURNED, EXPIRY_WARNING): sent once, listing them.
 */
export interface SharedTargetFacts {
  target: string;
  host: string;
  /** The addresses this notice is about at that target (serving, retired from, or returned to). */
  addresses: string[];
  /** NEW_CERTIFICATE only: the rollout at that target. */
  rollout?: RolloutFacts;
}

/**
 * Rollout progress of a leaf at a target, from the serving mix over the window (docs/rollouts.md): `share` =
 * its share of the handshakes (0–1, two decimals), `serving` = the addresses whose mix holds it, `total` =
 * the addresses of that key type observed within the window. One load-balanced address serves old and new
 * alike, so the share is the measure; the address counts only say where.
 */
export interface RolloutFacts {
  share: number;
  serving: number;
  total: number;
}

/** "~40 % of connections, 1 of 2 addresses" (a notice of an earlier release has no share). */
export function rolloutText(r: { share?: number; serving: number; total: number }): string {
  const where = `${r.serving} of ${r.total} ${r.total === 1 ? 'address' : 'addresses'}`;
  return r.share === undefined ? where : `~${Math.round(r.share * 100)} % of connections, ${where}`;
}

/** A certificate for the catalogue's examples (docs/notices.md, the render tests). */
export const EXAMPLE_CERT: CertFacts = Object.freeze({
  sha256: '3f1c9a2b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
  role: 'leaf',
  subject: 'CN=smtp.gmail.com',
  issuer: 'C=US, O=Google Trust Services, CN=WR2',
  serial: '0a1b2c3d4e5f',
  notBefore: '2026-05-04T08:36:12.000Z',
  notAfter: '2026-07-27T08:36:11.000Z',
  daysLeft: 54.9,
  keyAlgorithm: 'ECDSA P-256',
  spkiSha256: 'q3Xb0mR1iGmJ0w5qv1nq6ah8bXh3c2k9gN1sPpQ0rS4=',
  sans: ['smtp.gmail.com'],
}) as CertFacts;
