/**
 * The CLI's way into the settings table: readers of flags and of the environment whose refusals are
 * ConfigErrors (exit 2 by lambdas/cli/program.ts, one line naming the flag or variable as typed).
 */
import { envReader, flagReader, type SettingReader } from '../settings/read';

/** Reads settings from commander's option values (`--key-types` is `keyTypes`). */
export function cliFlags(values: object): SettingReader {
  return flagReader(values as Record<string, unknown>);
}

/** Reads settings from the `CERTWATCH_*` environment (the same variables the Lambda reads). */
export function cliEnv(env: Readonly<Record<string, string | undefined>> = process.env): SettingReader {
  return envReader(env);
}
