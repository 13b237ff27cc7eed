/** The human observations table that `probe` and `check` print. */

import { daysUntil } from '../../core/days';
import type { Observation } from '../../core/observation';
import { commonName } from '../../core/x509/dn';
import { type Column, colonHex, table } from '../format';

/** A fingerprint gives way to its first 8 hex digits, the shortest prefix `history` accepts. */
export const FINGERPRINT_CUT = { min: 8, ellipsis: false } as const;
/** A name gives way to 8 characters ending in …. */
export const NAME_CUT = { min: 8, ellipsis: true } as const;
/** A date and time gives way to the date. */
export const DATE_CUT = { min: 10, ellipsis: false, snap: true } as const;

import { NEAR_EXPIRY_DAYS, PLAIN, paint, type Terminal, type Tone } from './terminal';

/** Observations that count as a failed probe (a missing key type is recorded, not a failure). */
export function probeFailed(observation: Observation): boolean {
  return !observation.ok && observation.error?.code !== 'KEY_TYPE_UNAVAILABLE';
}

/** How the observations table is drawn. */
export interface TableView {
  terminal?: Terminal;
  /** Full colon-separated fingerprints instead of the first 16 hex digits. */
  wide?: boolean;
}

/** The row's tone: failed probes and untrusted chains stand out, then certificates near expiry. */
function toneOf(o: Observation, now: Date): Tone {
  if (probeFailed(o)) return 'bad';
  const leaf = o.chain[0];
  if (!leaf) return undefined;
  if (!o.validation?.trusted || o.hostnameMatch === false) return 'bad';
  return daysUntil(leaf.notAfter, now) < NEAR_EXPIRY_DAYS ? 'warn' : undefined;
}

/** The human table: one row per target × address × key type. */
export function renderTable(observations: readonly Observation[], now: Date, view: TableView = {}): string {
  const terminal = view.terminal ?? PLAIN;
  const rows = observations.map((o) => {
    const where = [o.target, o.address || '-', o.keyType];
    const leaf = o.chain[0];
    if (!leaf) return [...where, o.error?.code ?? 'NO CERTIFICATE', '', '', '', '', ''];
    const trust = o.validation?.trusted
      ? o.hostnameMatch === false
        ? 'NAME MISMATCH'
        : 'trusted'
      : `UNTRUSTED (${o.validation?.error?.code ?? 'unknown'})`;
    return [
      ...where,
      view.wide ? colonHex(leaf.sha256) : leaf.sha256.slice(0, 16),
      commonName(leaf.subject),
      commonName(leaf.issuer),
      `${daysUntil(leaf.notAfter, now)}d`,
      trust,
      o.tls.protocol ?? '',
    ];
  });
  // Identity (target, address, key type) is never cut; the rest gives way in this order (docs/cli.md).
  const header: Column[] = [
    { header: 'TARGET' },
    { header: 'ADDRESS' },
    { header: 'KEY' },
    { header: 'LEAF SHA-256', span: true, ...(view.wide ? {} : { cut: FINGERPRINT_CUT }) },
    { header: 'SUBJECT', cut: NAME_CUT, drop: 3 },
    { header: 'ISSUER', cut: NAME_CUT, drop: 2 },
    { header: 'EXPIRES', drop: 4 },
    { header: 'TRUST', cut: { min: 9, ellipsis: true }, drop: 5 },
    { header: 'PROTOCOL', drop: 1 },
  ];
  const failures = observations.filter(probeFailed).length;
  const summary = `${observations.length} observation(s), ${failures} failed`;
  // Failure messages are long and matter most: listed whole under the table rather than cut to fit a column.
  const reasons = observations
    .filter((o) => !o.chain[0] && o.error)
    .map((o) =>
      paint(
        `  ${o.target} ${o.address || '-'} ${o.keyType}: ${o.error?.code} — ${o.error?.message}`,
        probeFailed(o) ? 'bad' : undefined,
        terminal,
      ),
    );
  const why = reasons.length > 0 ? `\n\n${reasons.join('\n')}` : '';
  const paints = observations.map((o) => (line: string) => paint(line, toneOf(o, now), terminal));
  return `${table(header, rows, { columns: terminal.columns, paint: paints })}${why}\n\n${summary}`;
}
