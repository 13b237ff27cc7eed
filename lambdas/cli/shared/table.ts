/** The human observations table that `probe` and `check` print. */
import type { Observation } from '../../core/observation';
import { colonHex, commonName, daysUntil, table } from '../format';

/** Observations that count as a failed probe (a missing key type is recorded, not a failure). */
export function probeFailed(observation: Observation): boolean {
  return !observation.ok && observation.error?.code !== 'KEY_TYPE_UNAVAILABLE';
}

/** The human table: one row per target × address × key type. */
export function renderTable(observations: readonly Observation[], now: Date): string {
  const rows = observations.map((o) => {
    const where = [o.target, o.address || '-', o.keyType];
    const leaf = o.chain[0];
    if (!leaf) return [...where, o.error?.code ?? 'NO CERTIFICATE', o.error?.message ?? '', '', '', '', ''];
    const trust = o.validation?.trusted
      ? o.hostnameMatch === false
        ? 'NAME MISMATCH'
        : 'trusted'
      : `UNTRUSTED (${o.validation?.error?.code ?? 'unknown'})`;
    return [
      ...where,
      colonHex(leaf.sha256),
      commonName(leaf.subject),
      commonName(leaf.issuer),
      `${daysUntil(leaf.notAfter, now)}d`,
      trust,
      o.tls.protocol ?? '',
    ];
  });
  const header = ['TARGET', 'ADDRESS', 'KEY', 'LEAF SHA-256', 'SUBJECT', 'ISSUER', 'EXPIRES', 'TRUST', 'PROTOCOL'];
  const failures = observations.filter(probeFailed).length;
  const summary = `${observations.length} observation(s), ${failures} failed`;
  return `${table(header, rows)}\n\n${summary}`;
}
