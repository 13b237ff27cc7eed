/**
 * The Certificate Transparency options of `certwatch check` (docs/ct.md): off unless `--ct-logs` (or
 * `CERTWATCH_CT_LOGS`) names a log list. Light on purpose (loaded for `--help`): the CT step itself is
 * imported only when a check runs with it.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RunExtension } from '../run/extensions';
import { SETTINGS } from '../settings/table';
import { UsageError } from './cli-io';
import { cliSettings } from './cli-settings';
import { flagOption } from './probe-options-cli';

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
  const keyFile = read(SETTINGS.ctLogListKey);
  let listKeyPem: string | undefined;
  if (keyFile !== undefined) {
    try {
      listKeyPem = await readFile(keyFile, 'utf8');
    } catch (error) {
      throw new UsageError(`--ct-log-list-key ${keyFile}: ${(error as Error).message}`, { cause: error });
    }
  }
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
