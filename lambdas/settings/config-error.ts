/**
 * The one error of the settings area: a value that cannot be used, named as the user spelled it.
 */
import { CertwatchError } from '../core/errors';

/** Where a value came from: a CLI flag, an environment variable, CDK context or a construct property. */
export type SettingSource = 'flag' | 'env' | 'context' | 'prop';

/** Stable codes of configuration errors. */
export type ConfigErrorCode = 'CONFIG_INVALID';

/**
 * A setting whose value cannot be used. The message names the setting as the user spelled it
 * (`CERTWATCH_FAILING_AFTER`, `--timeout`, `-c probeTimeoutMs`), the value given and what is accepted.
 */
export class ConfigError extends CertwatchError<ConfigErrorCode> {
  override name = 'ConfigError';
  /** The setting's name in the settings table, e.g. `probeTimeoutMs`. */
  readonly setting: string;
  /** The spelling at fault: an environment variable, a flag, a context key or a property name. */
  readonly spelling: string;
  readonly source: SettingSource;

  constructor(
    at: { setting: string; spelling: string; source: SettingSource },
    message: string,
    options?: { cause?: unknown },
  ) {
    super('CONFIG_INVALID', message, options);
    this.setting = at.setting;
    this.spelling = at.spelling;
    this.source = at.source;
  }
}

/**
 * What a parser throws: why a value is refused, without saying where it came from (the reader adds
 * that). A reason about the whole value reads after it ("must be a whole number from 1 to 1000"); a
 * reason about one list item names the item ("\"dsa\" is not one of rsa, ecdsa").
 */
export class InvalidValue extends CertwatchError<'VALUE_INVALID'> {
  override name = 'InvalidValue';

  constructor(reason: string, options?: { cause?: unknown }) {
    super('VALUE_INVALID', reason, options);
  }
}
