/**
 * `certwatch ct`: where reading each Certificate Transparency log stands (position, verified size, lag,
 * last error), from the store alone; and the issued-not-yet-served table `history` prints. docs/ct.md.
 */
import type { Command } from 'commander';
import type { IssuedCert } from '../core/ct/issued';
import { type CtLogState, lagEntries } from '../core/ct/log-state';
import { commonName } from '../core/x509/dn';
import type { CliRun } from './cli-io';
import { type Column, table } from './format';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';
import { DATE_CUT, FINGERPRINT_CUT, NAME_CUT, type TableView } from './shared/table';
import { PLAIN, paint, terminalOf } from './shared/terminal';

interface CtValues extends StoreCliValues {
  json?: boolean;
}

/** One log as `ct --json` prints it. */
export interface CtLogEntry {
  log: string;
  logId: string;
  url: string;
  protocol: CtLogState['protocol'];
  position: number;
  verifiedSize: number | null;
  /** Entries the log holds beyond the position, by its verified head. */
  lagEntries: number;
  caughtUpAt: string;
  lastAttemptAt: string;
  lastError: CtLogState['lastError'];
  inconsistent: CtLogState['inconsistent'];
}

/** A state as `ct --json` prints it. */
export function ctLogEntry(state: CtLogState): CtLogEntry {
  return {
    log: state.name,
    logId: state.logId,
    url: state.url,
    protocol: state.protocol,
    position: state.position,
    verifiedSize: state.head?.size ?? null,
    lagEntries: lagEntries(state),
    caughtUpAt: state.caughtUpAt,
    lastAttemptAt: state.lastAttemptAt,
    lastError: state.lastError,
    inconsistent: state.inconsistent,
  };
}

function minutes(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** The human table of `certwatch ct`. */
export function renderCtLogs(states: readonly CtLogState[], view: TableView = {}): string {
  const terminal = view.terminal ?? PLAIN;
  const sorted = [...states].sort((a, b) => a.name.localeCompare(b.name));
  const rows = sorted.map((s) => [
    s.name,
    s.protocol,
    String(s.position),
    s.head ? String(s.head.size) : '-',
    String(lagEntries(s)),
    minutes(s.caughtUpAt),
    s.inconsistent
      ? `INCONSISTENT: ${s.inconsistent.reason}`
      : s.lastError
        ? `${s.lastError.code}: ${s.lastError.message}`
        : 'ok',
  ]);
  const paints = sorted.map(
    (s) => (line: string) => paint(line, s.inconsistent ? 'bad' : s.lastError ? 'warn' : undefined, terminal),
  );
  const header: Column[] = [
    { header: 'LOG' },
    { header: 'PROTOCOL', drop: 2 },
    { header: 'POSITION' },
    { header: 'VERIFIED', drop: 3 },
    { header: 'LAG' },
    { header: 'CAUGHT UP', cut: DATE_CUT, drop: 1 },
    { header: 'STATUS', cut: NAME_CUT, span: true },
  ];
  const failing = sorted.filter((s) => s.inconsistent || s.lastError).length;
  return `${table(header, rows, { columns: terminal.columns, paint: paints })}\n\n${sorted.length} log(s), ${failing} failing`;
}

/** The human table of issued certificates not yet served (`history`). */
export function renderIssued(records: readonly IssuedCert[], view: TableView = {}): string {
  const terminal = view.terminal ?? PLAIN;
  const rows = records.map((r) => [
    minutes(r.loggedAt),
    r.hosts.join(','),
    commonName(r.issuer),
    r.notAfter.slice(0, 10),
    `sha256/${r.spkiSha256}`,
    r.sha256 ? (view.wide ? r.sha256 : r.sha256.slice(0, 16)) : '(precertificate)',
    String(r.logs.length),
  ]);
  const header: Column[] = [
    { header: 'LOGGED', cut: DATE_CUT },
    { header: 'HOSTS', cut: NAME_CUT },
    { header: 'ISSUER', cut: NAME_CUT, drop: 2 },
    { header: 'EXPIRES' },
    { header: 'SPKI PIN', cut: NAME_CUT },
    { header: 'SHA-256', cut: FINGERPRINT_CUT, drop: 1 },
    { header: 'LOGS', drop: 3 },
  ];
  return [
    'Issued, not yet served (Certificate Transparency):',
    table(header, rows, { columns: terminal.columns }),
  ].join('\n');
}

/** `certwatch ct`. */
export function registerCtCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('ct')
      .description(
        'show where reading each Certificate Transparency log stands: position, verified size, lag, last error',
      ),
  )
    .option('--json', 'print { logs: [...] } as one JSON document')
    .action(async (values: CtValues) => {
      const location = storeLocationFrom(values);
      const found = await withStore(location, { mustExist: true }, async (opened) => ({
        states: opened ? await opened.store.loadCtLogStates() : [],
        where: opened?.where ?? (location.kind === 'embedded' ? location.dir : ''),
      }));
      if (values.json) {
        run.stdout.write(`${JSON.stringify({ logs: found.states.map(ctLogEntry) }, null, 2)}\n`);
        return;
      }
      if (found.states.length === 0) {
        run.stdout.write(
          `No CT log has been read into ${found.where} (certwatch check --ct-logs FILE|URL reads them).\n`,
        );
        return;
      }
      run.stdout.write(`${renderCtLogs(found.states, { terminal: terminalOf(run.stdout) })}\n`);
      if (found.states.some((s) => s.inconsistent)) run.exitCode = 1;
    });
}
