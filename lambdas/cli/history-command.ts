/**
 * `certwatch history`: every certificate seen per target, newest first; with a fingerprint, every
 * target that served it (Google shares certificates across hosts). Embedded store or DynamoDB table.
 */
import type { Command } from 'commander';
import { CoreError } from '../core/errors';
import { type CertRecord, effectiveLastSeen, type TargetHistory } from '../core/history';
import { parseTarget } from '../core/targets';
import type { DynamoHistoryStore } from '../store/dynamo-history-store';
import type { CliRun } from './cli-io';
import { UsageError } from './cli-io';
import { commonName, daysUntil, table } from './format';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';

/** One target's certificates, as `history --json` prints them. */
export interface HistoryEntry {
  target: string;
  lastCycleAt: string | null;
  certificates: Array<Omit<CertRecord, 'target' | 'rev'>>;
}

interface HistoryValues extends StoreCliValues {
  json?: boolean;
}

/** A SHA-256 fingerprint, lowercase hex or colon-separated (as openssl prints it). */
export function parseFingerprint(input: string): string | null {
  const hex = input.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** `certwatch history`. */
export function registerHistoryCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    program
      .command('history')
      .description('show every certificate seen per target (newest first), or every target serving a fingerprint')
      .argument('[query]', 'a target URL, or a SHA-256 fingerprint of a certificate; default: everything'),
  )
    .option('--json', 'print { targets: [...] } as one JSON document')
    .action(async (query: string | undefined, values: HistoryValues) => {
      const location = storeLocationFrom(values);
      const fingerprint = query === undefined ? null : parseFingerprint(query);
      const target = query === undefined || fingerprint ? null : targetUrl(query);
      const result = await withStore(location, { mustExist: true }, async (opened) => {
        if (!opened) return { entries: [] as HistoryEntry[], where: location.kind === 'embedded' ? location.dir : '' };
        return { entries: await lookUp(opened.store, fingerprint, target), where: opened.where };
      });
      if (values.json) {
        run.stdout.write(`${JSON.stringify({ targets: result.entries }, null, 2)}\n`);
        return;
      }
      if (result.entries.length === 0) {
        const what = fingerprint ? `certificate ${fingerprint}` : (target ?? 'any target');
        run.stdout.write(`No history of ${what} in ${result.where}.\n`);
        return;
      }
      run.stdout.write(`${renderHistory(result.entries, new Date())}\n`);
    });
}

function targetUrl(query: string): string {
  try {
    return parseTarget(query).url;
  } catch (error) {
    if (error instanceof CoreError) {
      throw new UsageError(`${error.message}; or give a SHA-256 fingerprint (64 hex digits)`, { cause: error });
    }
    throw error;
  }
}

async function lookUp(
  store: DynamoHistoryStore,
  fingerprint: string | null,
  target: string | null,
): Promise<HistoryEntry[]> {
  if (target) {
    const history = await store.loadTarget(target);
    return history.state || history.certs.length > 0 ? [toEntry(target, history)] : [];
  }
  if (!fingerprint) return [...(await store.listHistories())].map(([url, history]) => toEntry(url, history));
  const serving = await store.findByFingerprint(fingerprint);
  const entries: HistoryEntry[] = [];
  for (const url of [...new Set(serving.map((c) => c.target))].sort()) {
    const history = await store.loadTarget(url);
    entries.push(toEntry(url, { state: history.state, certs: history.certs.filter((c) => c.sha256 === fingerprint) }));
  }
  return entries;
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

/** The human table: one row per target × certificate. */
export function renderHistory(entries: readonly HistoryEntry[], now: Date): string {
  const rows = entries.flatMap((entry) =>
    entry.certificates.map((c) => [
      entry.target,
      c.status,
      c.role,
      c.keyType,
      c.firstSeen.slice(0, 16).replace('T', ' '),
      c.lastSeen.slice(0, 16).replace('T', ' '),
      `${c.notAfter.slice(0, 10)} (${daysUntil(c.notAfter, now)}d)`,
      c.sha256.slice(0, 16),
      c.addresses.join(','),
      commonName(c.subject),
    ]),
  );
  const header = [
    'TARGET',
    'STATUS',
    'ROLE',
    'KEY',
    'FIRST SEEN',
    'LAST SEEN',
    'EXPIRES',
    'SHA-256',
    'ADDRESSES',
    'SUBJECT',
  ];
  const count = rows.length;
  return `${table(header, rows)}\n\n${count} certificate(s) at ${entries.length} target(s)`;
}
