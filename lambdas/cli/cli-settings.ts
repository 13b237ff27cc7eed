/**
 * The CLI's way into the settings table: readers of flags and of the environment whose refusals are
 * ConfigErrors (exit 2 by lambdas/cli/program.ts, one line naming the flag or variable as typed). A
 * setting with a flag and a `CERTWATCH_*` variable is read from the flag, else the variable, else its
 * default; every variable the CLI reads is checked before a command runs, whether that command uses it
 * or not, so a bad one never passes in silence. Variables only the Lambda function reads are named on
 * one stderr line when set. See docs/cli.md ("Environment").
 */
import { envReader, flagAttribute, flagReader, type SettingReader } from '../settings/read';
import type { Setting } from '../settings/setting';
import { SETTINGS, type SettingName } from '../settings/table';

/** Reads settings from commander's option values (`--key-types` is `keyTypes`). */
export function cliFlags(values: object): SettingReader {
  return flagReader(values as Record<string, unknown>);
}

/** Reads settings from the `CERTWATCH_*` environment (the same variables the Lambda reads). */
export function cliEnv(env: Readonly<Record<string, string | undefined>> = process.env): SettingReader {
  return envReader(env);
}

/** Reads a setting from its flag when given, else from its environment variable when set, else the default. */
export function cliSettings(
  values: object,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SettingReader {
  const flags = cliFlags(values);
  const fromEnv = cliEnv(env);
  return (setting) => (flagGiven(setting, values as Record<string, unknown>) ? flags(setting) : fromEnv(setting));
}

function flagGiven(setting: Setting<unknown, unknown>, values: Record<string, unknown>): boolean {
  if (setting.flag === undefined) return false;
  const raw = values[flagAttribute(setting.flag)];
  return raw !== undefined && !(Array.isArray(raw) && raw.length === 0);
}

/**
 * Variables of the settings table that only the Lambda function reads, with what to do on the command
 * line instead. Every other variable of the table is read by the CLI (a unit test keeps the two apart).
 */
export const LAMBDA_ONLY_ENV: Readonly<Partial<Record<SettingName, string>>> = Object.freeze({
  targets: "give TARGET arguments, or keep them on the store's watch list (certwatch targets add)",
  tableName: 'give --table NAME',
  topicArn: 'give --topic-arn ARN',
  heartbeat: 'the scheduled run sends it',
  policySha256: 'the stack sets it',
  dynamodbEndpoint: 'give --table NAME --endpoint URL',
  metricTargets: 'mark the entry on the watch list: certwatch targets add --metric TARGET',
});

/**
 * Checks the environment before a command runs: every `CERTWATCH_*` variable of the settings table that
 * the CLI reads must parse as its flag would (else a ConfigError naming it); those only the Lambda reads
 * are returned as one line to print when set (null when none is). Other `CERTWATCH_*` names are left
 * alone: tools and tests use the prefix too (e.g. CERTWATCH_CHROMIUM, read by timeline).
 */
export function checkCliEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const read = cliEnv(env);
  const ignored: string[] = [];
  for (const [name, setting] of Object.entries(SETTINGS) as Array<[SettingName, Setting<unknown, unknown>]>) {
    if (setting.env === undefined) continue;
    const instead = LAMBDA_ONLY_ENV[name];
    if (instead === undefined) read(setting);
    else if (env[setting.env] !== undefined)
      ignored.push(`${setting.env} (read by the Lambda function only: ${instead})`);
  }
  return ignored.length === 0 ? null : `ignored by the CLI: ${ignored.join('; ')}`;
}
