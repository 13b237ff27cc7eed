/**
 * The Certificate Transparency options of `certwatch check` (docs/ct.md): off unless `--ct-logs` (or
 * `CERTWATCH_CT_LOGS`) names a log list. Light on purpose (loaded for `--help`): the CT step itself is
 * imported only when a check runs with it.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { refusedKind, unreadable } from '../policy-file/bounded-text';
import type { RunExtension } from '../run/extensions';
import { SETTINGS } from '../settings/table';
import { UsageError } from './cli-io';
import { cliSettings } from './cli-settings';
import { flagOption } from './probe-options-cli';
import { readBoundedFileSync } from './shared/bounded-input';

/** A PEM public key is a few hundred bytes. */
const MAX_KEY_BYTES = 64 * 1024;

/** The CT flags' values as commander gives them. */
export interface CtCliValues {
  ctLogs?: string;
  ctBackfill?: string;
  ctBudget?: string;
  ctLogListKey?: string;
  expectIssuers?: string;
}

/** Adds the CT options to a command. */
export function addCtOptions(command: Command): Command {
  return command
    .option(...flagOption(SETTINGS.ctLogs, 'file|url'))
    .option(...flagOption(SETTINGS.ctBackfill, 'n'))
    .option(...flagOption(SETTINGS.ctBudgetSeconds, 'seconds'))
    .option(...flagOption(SETTINGS.ctLogListKey, 'pem-file'))
    .option(...flagOption(SETTINGS.expectIssuers, 'list'));
}

/** The CT extension the options ask for, or null when CT is off. */
export async function ctExtensionFromCli(values: CtCliValues): Promise<RunExtension | null> {
  // The flag when given, else the environment variable (else the default).
  const read = cliSettings(values);
  const source = read(SETTINGS.ctLogs);
  if (source.kind === 'off') return null;
  if (source.kind === 'file') refuseUnreadable(source.path, 'the CT log list');
  const keyFile = read(SETTINGS.ctLogListKey);
  const listKeyPem =
    keyFile === undefined ? undefined : readBoundedFileSync(keyFile, MAX_KEY_BYTES, `--ct-log-list-key ${keyFile}`);
  const { ctExtension } = await import('../ct/ct-extension.js');
  return ctExtension({
    source,
    backfill: read(SETTINGS.ctBackfill),
    maxEntries: read(SETTINGS.ctMaxEntries),
    maxBytes: read(SETTINGS.ctMaxMegabytes) * 1024 * 1024,
    budgetMs: read(SETTINGS.ctBudgetSeconds) * 1000,
    expectIssuers: read(SETTINGS.expectIssuers),
    listKeyPem,
  });
}

/**
 * A directory, a device or a missing file named as the log list is the user's configuration (exit 2),
 * refused before the store is opened; the CT step reads the file itself, with its cap (a pipe is read once).
 */
function refuseUnreadable(path: string, what: string): void {
  let kind: string | null;
  try {
    kind = refusedKind(statSync(path));
  } catch (error) {
    throw new UsageError(`${what} ${path}: ${unreadable(error).message}`, { cause: error });
  }
  if (kind) throw new UsageError(`${what} ${path}: ${kind}`);
}
