/**
 * MTA-STS (RFC 8461), the pure parts: the `_mta-sts` TXT record (§3.1), the policy file (§3.2) and the
 * `mx` pattern match (§4.1: a leading `*.` stands for exactly one label).
 */
import type { MtaStsPolicy } from './model';

/** The longest `max_age` RFC 8461 allows (one year). */
export const MAX_AGE_LIMIT = 31_557_600;

/**
 * The `id` of the domain's STS TXT record (the TXT strings of each record joined), or why there is
 * none: not exactly one record starting with `v=STSv1`, or no valid `id`.
 */
export function parseStsRecord(txt: readonly string[]): { id: string } | string {
  const sts = txt.filter((t) => /^v=STSv1\s*(;|$)/.test(t));
  if (sts.length === 0) return 'no TXT record starting with v=STSv1';
  if (sts.length > 1) return `${sts.length} TXT records start with v=STSv1 (RFC 8461 §3.1: exactly one)`;
  const fields = sts[0]
    .split(';')
    .map((f) => f.trim())
    .filter(Boolean);
  const id = fields.find((f) => f.startsWith('id='))?.slice(3);
  if (!id || !/^[A-Za-z0-9]{1,32}$/.test(id)) return 'the v=STSv1 record has no valid id (1-32 letters and digits)';
  return { id };
}

/** Parses the policy file (§3.2), or says what is wrong with it. */
export function parseStsPolicy(text: string, id: string): MtaStsPolicy | string {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `line "${line.slice(0, 60)}" is not "key: value"`;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    fields.set(key, [...(fields.get(key) ?? []), value]);
  }
  if (fields.get('version')?.[0] !== 'STSv1') return 'version is not STSv1';
  const mode = fields.get('mode')?.[0];
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none')
    return `mode "${mode ?? ''}" is not enforce, testing or none`;
  const maxAgeText = fields.get('max_age')?.[0] ?? '';
  if (!/^\d{1,10}$/.test(maxAgeText)) return `max_age "${maxAgeText}" is not a number of seconds`;
  const maxAge = Math.min(Number(maxAgeText), MAX_AGE_LIMIT);
  const mx = (fields.get('mx') ?? []).map((p) => p.toLowerCase().replace(/\.$/, ''));
  if (mode !== 'none' && mx.length === 0) return `mode ${mode} needs at least one mx pattern`;
  return { mode, mx, maxAge, id };
}

/** RFC 8461 §4.1: exact match, or `*.suffix` covering exactly one more label. Case-insensitive. */
export function mxPatternMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1);
  if (!h.endsWith(suffix)) return false;
  const label = h.slice(0, h.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** The pattern that covers a host, or null. */
export function matchingMxPattern(policy: MtaStsPolicy, host: string): string | null {
  return policy.mx.find((p) => mxPatternMatches(p, host)) ?? null;
}
