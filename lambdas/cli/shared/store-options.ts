/** The store options every store-backed command shares: `--store DIR | --table NAME [--endpoint URL]`. */
import type { Command } from 'commander';
import type { OpenedStore, StoreLocation } from '../../store/open-store';
import { DEFAULT_STORE_DIR } from '../../store/store-defaults';
import { type CliRun, reportFailure, UsageError, withContext } from '../cli-io';

/** Raw values of the store options. */
export interface StoreCliValues {
  store?: string;
  table?: string;
  endpoint?: string;
}

/** Adds `--store DIR | --table NAME [--endpoint URL]` (shared by check and history). */
export function addStoreOptions(command: Command): Command {
  return command
    .option('--store <dir>', `embedded history store directory (default: ${DEFAULT_STORE_DIR})`)
    .option('--table <name>', 'DynamoDB table instead of the embedded store (standard AWS credential chain)')
    .option('--endpoint <url>', 'DynamoDB-compatible endpoint for --table');
}

/** Where the store options point, or a UsageError for a contradictory combination. */
export function storeLocationFrom(values: StoreCliValues): StoreLocation {
  for (const [flag, value] of [
    ['--store', values.store],
    ['--table', values.table],
    ['--endpoint', values.endpoint],
  ] as const) {
    if (value !== undefined && value.trim() === '') {
      const hint = flag === '--store' ? `give a directory, or leave it out for ${DEFAULT_STORE_DIR}` : 'give a value';
      throw new UsageError(`${flag} is empty: ${hint}`);
    }
  }
  if (values.store !== undefined && values.table !== undefined) {
    throw new UsageError('--store and --table cannot be combined: pick the embedded store or a DynamoDB table');
  }
  if (values.endpoint !== undefined && values.table === undefined) {
    throw new UsageError('--endpoint needs --table NAME');
  }
  if (values.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(values.endpoint)) {
    throw new UsageError(`--endpoint "${values.endpoint}": expected http(s)://host[:port]`);
  }
  if (values.table !== undefined) return { kind: 'table', tableName: values.table, endpoint: values.endpoint };
  return { kind: 'embedded', dir: values.store ?? DEFAULT_STORE_DIR };
}

/** The store options that name `location` again, for a command a message suggests. */
export function storeFlags(location: StoreLocation): string {
  if (location.kind === 'table') {
    return `--table ${location.tableName}${location.endpoint ? ` --endpoint ${location.endpoint}` : ''}`;
  }
  return `--store ${/^[\w./:@+-]+$/.test(location.dir) ? location.dir : JSON.stringify(location.dir)}`;
}

/** What to do about a bad item a reader met: the command that sets it aside (docs/cli.md). */
export function badItemRemedy(location: StoreLocation): string {
  return `certwatch repair ${storeFlags(location)} sets it aside (and prints it, to fix and import --merge)`;
}

/**
 * Runs `work` on the opened store and closes it. A store certwatch cannot use is a StoreError (exit
 * codes: lambdas/cli/program.ts); a table without a region is named as such; a bad item a reader
 * refused carries the command that sets it aside. With `run`, bad items the store's readers left out
 * are reported as failures of the run (one line each, exit 1).
 */
export async function withStore<T>(
  location: StoreLocation,
  options: { mustExist?: boolean; readOnly?: boolean; run?: CliRun },
  work: (opened: OpenedStore | null) => Promise<T>,
): Promise<T> {
  let opened: OpenedStore | null = null;
  try {
    // The store engine and the AWS SDK load here, not with the command (see program.ts on start time).
    const { openHistoryStore } = await import('../../store/open-store.js');
    opened = await openHistoryStore(location, options);
    return await work(opened);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ITEM_INVALID')
      throw withContext(error, '', `: ${badItemRemedy(location)}`);
    if (error instanceof Error && /Region is missing/i.test(error.message)) {
      throw new UsageError('no AWS region configured for --table: set AWS_REGION (or give --endpoint)', {
        cause: error,
      });
    }
    throw error;
  } finally {
    if (opened && options.run) {
      for (const bad of opened.badItems()) {
        reportFailure(options.run, `${bad.message}; left out: ${badItemRemedy(location)}`);
      }
    }
    await opened?.close();
  }
}
