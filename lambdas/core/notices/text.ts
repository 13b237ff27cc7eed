/**
 * The words notice types share: the SNS-sized subject, certificate lines, days, counts. A type's own
 * words live in its module.
 */
import { wholeDays } from '../days';
import { type CertFacts, type RotationClass, rolloutText } from './facts';

/** SNS refuses longer subjects. */
export const MAX_SUBJECT_LENGTH = 100;

/**
 * Makes a string a valid SNS Subject: printable ASCII, one line, at most 100 characters
 * (cut with `...` when longer).
 */
export function toSubject(raw: string): string {
  const ascii = raw
    .replace(/\s+/g, ' ')
    .replace(/[\u2192]/g, '->')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** `smtp://host:25` → `host:25`. */
export function hostPort(target: string): string {
  return target.replace(/^[a-z]+:\/\//, '');
}

/** A fingerprint shortened for people (the full one is in the facts). */
export function shortSha(sha256: string): string {
  return sha256.slice(0, 16);
}

/** A rotation's class as people read it. */
export const ROTATION_WORDS: Readonly<Record<RotationClass, string>> = {
  'same-key-renewal': 'same-key renewal',
  're-key': 're-key (new key, same issuer)',
  'issuer-change': 'issuer change',
  'key-type-change': 'key-type change',
};

/** The lines describing a certificate in every certificate notice. */
export function certLines(cert: CertFacts): string[] {
  return [
    `  subject  ${cert.subject}`,
    `  issuer   ${cert.issuer}`,
    `  valid    ${day(cert.notBefore)} -> ${day(cert.notAfter)} (${daysText(cert.daysLeft)})`,
    `  key      ${cert.keyAlgorithm}`,
    `  sha256   ${cert.sha256}`,
  ];
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** Days as people read them: whole days, floored (core/days.ts). */
export function daysText(days: number): string {
  const whole = wholeDays(days);
  if (whole < 0) return `expired ${-whole} days ago`;
  return `${whole} days left`;
}

/** `1 target`, `2 targets`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Hours as people read them: days from 48 hours on. */
export function hoursText(hours: number): string {
  return hours >= 48 ? `${Math.round((hours / 24) * 10) / 10} days` : `${hours} hours`;
}

/**
 * The lines listing the targets of a notice about several (none for one): `target (k of n addresses): addresses`.
 */
export function targetLines(
  targets: ReadonlyArray<{ target: string; addresses: string[]; rollout?: { serving: number; total: number } }>,
): string[] {
  if (targets.length < 2) return [];
  return [
    'Targets:',
    ...targets.map((t) => `  ${t.target}${t.rollout ? ` (${rolloutText(t.rollout)})` : ''}: ${t.addresses.join(', ')}`),
  ];
}
