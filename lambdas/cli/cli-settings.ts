/**
 * The CLI's way into the settings table: readers of flags and of the environment whose refusals are
 * UsageErrors (exit 2, one line naming the flag or variable as typed).
 */
import { ConfigError } from '../settings/config-error';
import { envReader, flagReader, type SettingReader } from '../settings/read';
import { UsageError } from './cli-io';

/** Reads settings from commander's option values (`--key-types` is `keyTypes`). */
export function cliFlags(values: object): SettingReader {
  return asUsage(flagReader(values as Record<string, unknown>));
}

/** Reads settings from the `CERTWATCH_*` environment (the same variables the Lambda reads). */
export function cliEnv(env: Readonly<Record<string, string | undefined>> = process.env): SettingReader {
  return asUsage(envReader(env));
}

function asUsage(read: SettingReader): SettingReader {
  return (setting) => {
    try {
      return read(setting);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
  };
}
