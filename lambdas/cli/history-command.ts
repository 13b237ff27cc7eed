/**
 * `certwatch history`: every certificate seen per target, newest first; with a fingerprint, every
 * target that served it (Google shares certificates across hosts). Embedded store or DynamoDB table.
 */
import type { Command } from 'commander';
import { type IssuedCert, issuedNotYetServed } from '../core/ct/issued';
import { daysUntil } from '../core/days';
import { type CertRecord, effectiveLastSeen, type TargetHistory } from '../core/history';
import type { HistoryStore } from '../core/ports';
import { parseTarget } from '../core/targets';
import { commonName } from '../core/x509/dn';
import type { CliRun } from './cli-io';
import { UsageError, withContext } from './cli-io';
import { renderIssued } from './ct-command';
import { type Column, colonHex, table } from './format';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';
import { DATE_CUT, FINGERPRINT_CUT, NAME_CUT, type TableView } from './shared/table';
import { NEAR_EXPIRY_DAYS, PLAIN, paint, type Tone, terminalOf } from './shared/terminal';
import { loadPlaces, type WatchPlace } from './watch-list-cli';

/** One target's certificates, as `history --json` prints them. */
export interface HistoryEntry {
  target: string;
  /** Its place on the watch list (absent when a single target or fingerprint was asked for). */
  watch?: WatchPlace;
  lastCycleAt: string | null;
  certificates: Array<Omit<CertRecord, 'target' | 'rev'>>;
}

interface HistoryValues extends StoreCliValues {
  json?: boolean;
  wide?: boolean;
}

/** A SHA-256 fingerprint, lowercase hex or colon-separated (as openssl prints it). */
export function parseFingerprint(input: string): string | null {
  const hex = input.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** The shortest fingerprint prefix `history` accepts (its own table prints 16 digits). */
export const MIN_FINGERPRINT_PREFIX = 8;

/**
 * What a `history` query names: a whole fingerprint, a prefix of one (8 to 63 hex digits, colons
 * allowed: a host name made only of hex digits is then given as a URL, `smtp://deadbeef`), or a target.
 */
export type HistoryQuery =
  | { kind: 'all' }
  | { kind: 'fingerprint'; sha256: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'target'; url: string };

/**
 * Tells a fingerprint (or a prefix of one) from a target. A query made only of hex digits (colons
 * allowed, as openssl prints them; a trailing `…` or `...` marks a prefix) is a fingerprint: one of
 * fewer than 8 digits is refused with the rule rather than read as a host (`smtp://HOST` is a host).
 */
export function classifyHistoryQuery(query: string | undefined): HistoryQuery {
  if (query === undefined) return { kind: 'all' };
  const sha256 = parseFingerprint(query);
  if (sha256) return { kind: 'fingerprint', sha256 };
  const hex = query
    .trim()
    .replace(/(…|\.\.\.)$/, '')
    .replace(/:/g, '')
    .toLowerCase();
  if (/^[0-9a-f]+$/.test(hex) && !query.includes('://')) {
    if (hex.length >= MIN_FINGERPRINT_PREFIX && hex.length < 64) return { kind: 'prefix', prefix: hex };
    if (hex.length > 64)
      throw new UsageError(`"${cut(query)}": a SHA-256 fingerprint has 64 hex digits, not ${hex.length}`);
    const host = /^[0-9a-f]+$/i.test(query) ? `; for a host write smtp://${query}` : '';
    throw new UsageError(
      `"${cut(query)}": a query of hex digits is a SHA-256 fingerprint, given whole or by its first ` +
        `${MIN_FINGERPRINT_PREFIX} or more digits (this has ${hex.length})${host}`,
    );
  }
  return { kind: 'target', url: targetUrl(query) };
}

function cut(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `certwatch history`. */
export function registerHistoryCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('history')
      .description('show every certificate seen per target (newest first), or every target serving a fingerprint')
      .argument(
        '[query]',
        'a target URL, or a SHA-256 fingerprint of a certificate (or its first 8+ hex digits); default: everything',
      ),
  )
    .option('--json', 'print { targets: [...] } as one JSON document')
    .option('--wide', 'full SHA-256 fingerprints in the table (default: the first 16 hex digits)')
    .action(async (query: string | undefined, values: HistoryValues) => {
      const location = storeLocationFrom(values);
      const wanted = classifyHistoryQuery(query);
      const result = await withStore(location, { readOnly: true, run }, async (opened) => {
        if (!opened)
          return {
            entries: [] as HistoryEntry[],
            where: location.kind === 'embedded' ? location.dir : '',
            noStore: true,
          };
        const sha256 = wanted.kind === 'prefix' ? await resolvePrefix(opened.store, wanted.prefix, opened.where) : null;
        if (wanted.kind === 'prefix' && !sha256) return { entries: [], where: opened.where, noStore: false };
        const fingerprint = sha256 ?? (wanted.kind === 'fingerprint' ? wanted.sha256 : null);
        const target = wanted.kind === 'target' ? wanted.url : null;
        const now = new Date();
        return {
          entries: await lookUp(opened.store, fingerprint, target, now),
          issued: fingerprint ? [] : await notYetServed(opened.store, target, now),
          where: opened.where,
          noStore: false,
        };
      });
      const issued = 'issued' in result ? (result.issued ?? []) : [];
      if (values.json) {
        run.stdout.write(`${JSON.stringify({ targets: result.entries, issued }, null, 2)}\n`);
        return;
      }
      if (issued.length > 0) {
        run.stdout.write(`${renderIssued(issued, { terminal: terminalOf(run.stdout), wide: values.wide })}\n\n`);
      }
      if (result.entries.length === 0) {
        const what =
          wanted.kind === 'fingerprint'
            ? `certificate ${wanted.sha256}`
            : wanted.kind === 'prefix'
              ? `a certificate whose SHA-256 starts with ${wanted.prefix}`
              : wanted.kind === 'target'
                ? wanted.url
                : 'any target';
        const why = result.noStore ? ': there is no store there yet (certwatch check starts one)' : '';
        run.stdout.write(`No history of ${what} in ${result.where}${why}.\n`);
        return;
      }
      run.stdout.write(
        `${renderHistory(result.entries, new Date(), { terminal: terminalOf(run.stdout), wide: values.wide })}\n`,
      );
    });
}

/** Issued certificates not yet served (Certificate Transparency), at one target's host or all. */
async function notYetServed(store: HistoryStore, target: string | null, now: Date): Promise<IssuedCert[]> {
  const records = issuedNotYetServed(await store.loadIssued(), now);
  if (!target) return records;
  const host = parseTarget(target).host;
  return records.filter((r) => r.hosts.includes(host));
}

/** The one stored fingerprint starting with `prefix`, null when none does; several are a usage error. */
async function resolvePrefix(store: HistoryStore, prefix: string, where: string): Promise<string | null> {
  const matches = await store.fingerprintsStartingWith(prefix);
  if (matches.length > 1) {
    const shown = matches.slice(0, 4).map((fp) => fp.slice(0, 16));
    throw new UsageError(
      `${prefix} is ambiguous in ${where}: ${matches.length} certificates start with it (${shown.join(', ')}${matches.length > 4 ? ', ...' : ''}); give more digits`,
    );
  }
  return matches[0] ?? null;
}

function targetUrl(query: string): string {
  try {
    return parseTarget(query).url;
  } catch (error) {
    throw withContext(error, '', '; or give a SHA-256 fingerprint (64 hex digits)');
  }
}

async function lookUp(
  store: HistoryStore,
  fingerprint: string | null,
  target: string | null,
  now: Date,
): Promise<HistoryEntry[]> {
  if (target) {
    const history = await store.loadTarget(target);
    return history.state || history.certs.length > 0 ? [toEntry(target, history)] : [];
  }
  if (!fingerprint) return listed(store, now);
  const serving = await store.findByFingerprint(fingerprint);
  const entries: HistoryEntry[] = [];
  for (const url of [...new Set(serving.map((c) => c.target))].sort()) {
    const history = await store.loadTarget(url);
    entries.push(toEntry(url, { state: history.state, certs: history.certs.filter((c) => c.sha256 === fingerprint) }));
  }
  return entries;
}

/**
 * Every stored history in watch-list order: the list's targets (MX hosts with their entry), removed
 * ones marked, then targets checked by name but never listed.
 */
async function listed(store: HistoryStore, now: Date): Promise<HistoryEntry[]> {
  const histories = await store.listHistories();
  const { list, places } = await loadPlaces(store, now);
  const order = new Map(list.items.map((item, i) => [item.target, i]));
  const rankOf = (url: string) => {
    const place = places.get(url);
    const entryRank = order.get(place?.via ?? url) ?? list.items.length;
    return place?.status === 'unlisted' || !place ? list.items.length + 1 : entryRank;
  };
  return [...histories]
    .map(([url, history]) => ({ ...toEntry(url, history), watch: places.get(url) ?? { status: 'unlisted' as const } }))
    .sort((a, b) => rankOf(a.target) - rankOf(b.target) || a.target.localeCompare(b.target));
}

function toEntry(target: string, history: TargetHistory): HistoryEntry {
  const certificates = history.certs
    .map(({ target: _target, rev: _rev, ...cert }) => ({
      ...cert,
      lastSeen: effectiveLastSeen({ ...cert, target, rev: 0 }, history.state),
    }))
    .sort(
      (a, b) =>
        b.firstSeen.localeCompare(a.firstSeen) ||
        Number(a.role !== 'leaf') - Number(b.role !== 'leaf') ||
        b.notBefore.localeCompare(a.notBefore),
    );
  return { target, lastCycleAt: history.state?.lastCycleAt ?? null, certificates };
}

function placeNote(place: WatchPlace | undefined): string {
  if (!place || (place.status === 'active' && !place.via)) return '';
  if (place.status === 'unlisted') return ' (not on the watch list)';
  const via = place.via ? ` via ${place.via}` : '';
  return place.status === 'removed' ? ` (removed${via})` : ` (${via.trim()})`;
}

/** The human table: one row per target × certificate. */
export function renderHistory(entries: readonly HistoryEntry[], now: Date, view: TableView = {}): string {
  const terminal = view.terminal ?? PLAIN;
  const rows = entries.flatMap((entry) =>
    entry.certificates.map((c) => [
      `${entry.target}${placeNote(entry.watch)}`,
      c.status,
      c.role,
      c.keyType,
      c.firstSeen.slice(0, 16).replace('T', ' '),
      c.lastSeen.slice(0, 16).replace('T', ' '),
      `${c.notAfter.slice(0, 10)} (${daysUntil(c.notAfter, now)}d)`,
      view.wide ? colonHex(c.sha256) : c.sha256.slice(0, 16),
      c.addresses.join(','),
      commonName(c.subject),
    ]),
  );
  // Identity (target, certificate) is never cut; the rest gives way in this order (docs/cli.md).
  const header: Column[] = [
    { header: 'TARGET' },
    { header: 'STATUS' },
    { header: 'ROLE', drop: 4 },
    { header: 'KEY' },
    { header: 'FIRST SEEN', cut: DATE_CUT, drop: 5 },
    { header: 'LAST SEEN', cut: DATE_CUT, drop: 3 },
    { header: 'EXPIRES', cut: DATE_CUT },
    { header: 'SHA-256', ...(view.wide ? {} : { cut: FINGERPRINT_CUT }) },
    { header: 'ADDRESSES', cut: NAME_CUT, drop: 1 },
    { header: 'SUBJECT', cut: NAME_CUT, drop: 2 },
  ];
  const tones = entries.flatMap((entry) =>
    entry.certificates.map((c): Tone => {
      if (c.status !== 'active' || c.role !== 'leaf') return undefined;
      return daysUntil(c.notAfter, now) < NEAR_EXPIRY_DAYS ? 'warn' : undefined;
    }),
  );
  const paints = tones.map((tone) => (line: string) => paint(line, tone, terminal));
  const count = rows.length;
  return `${table(header, rows, { columns: terminal.columns, paint: paints })}\n\n${count} certificate(s) at ${entries.length} target(s)`;
}
