/**
 * Reading settings through one of their spellings. Every reader treats a value the same way: missing
 * = the default; empty = an error; anything else goes through the setting's one parser, and a refusal
 * becomes a {@link ConfigError} naming the setting as the user spelled it.
 */
import { quoteInput } from '../core/quote';
import { ConfigError, InvalidValue, type SettingSource } from './config-error';
import { defaultText, type Setting } from './setting';

/** Reads one setting from one source. */
export type SettingReader = <T, D extends T | undefined>(setting: Setting<T, D>) => T | D;

/** The spelling of a setting in a source (`undefined` where the source has none). */
export function spellingOf(setting: Setting<unknown, unknown>, source: SettingSource): string | undefined {
  switch (source) {
    case 'flag':
      return setting.flag;
    case 'env':
      return setting.env;
    case 'context':
      return setting.context;
    case 'prop':
      return setting.name;
  }
}

/** Where a raw value came from, for messages. */
export interface RawAt {
  source: SettingSource;
  spelling: string;
  /** Who owns a property (`CertificateWatcher`), for `prop` sources. */
  owner?: string;
  /** The stack reads it: a missing value is the setting's `stackDefault`, where it has one. */
  stack?: boolean;
}

/**
 * Parses one raw value of a setting.
 * @throws ConfigError when the value is empty or refused by the setting's parser.
 */
export function readValue<T, D extends T | undefined>(setting: Setting<T, D>, raw: unknown, at: RawAt): T | D {
  if (raw === undefined || raw === null) {
    return at.stack && setting.stackDefault !== undefined ? setting.stackDefault : setting.default;
  }
  if (typeof raw === 'string' && raw.trim() === '') {
    const hint =
      setting.default === undefined
        ? `give ${setting.parser.accepts}`
        : `leave it out for the default (${defaultText(setting)})`;
    throw new ConfigError(at_(setting, at), `${label(at)} is empty: ${hint}`);
  }
  try {
    return setting.parser.parse(raw);
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error;
    const value = shown(at, raw);
    // A reason that starts with the value itself ("\"x\": expected ...") continues the message, and so
    // does one naming the item at fault of a repeated flag (`--resolve "x": expected ...`).
    const given = value.slice(1);
    const reason = error.message;
    let message = `${label(at)}${value}: ${reason}`;
    if (reason.startsWith(given)) message = `${label(at)}${value}${reason.slice(given.length)}`;
    else if (at.source === 'flag' && Array.isArray(raw) && reason.startsWith('"')) message = `${label(at)} ${reason}`;
    throw new ConfigError(at_(setting, at), message, { cause: error });
  }
}

/**
 * A ConfigError about a setting that is well-formed but cannot be combined with the rest (for checks
 * across settings, such as vpcId with egress none).
 */
export function refuse(setting: Setting<unknown, unknown>, at: RawAt, reason: string): ConfigError {
  return new ConfigError(at_(setting, at), `${label(at)}: ${reason}`);
}

/** Reads from environment variables (the Lambda handler; the CLI's thresholds). */
export function envReader(env: Readonly<Record<string, string | undefined>>): SettingReader {
  return (setting) =>
    setting.env === undefined
      ? setting.default
      : readValue(setting, env[setting.env], { source: 'env', spelling: setting.env });
}

/**
 * Reads from CDK context (`-c key=value` strings, or JSON values from cdk.json); `stack`: for the stack,
 * whose defaults may differ (a setting's `stackDefault`).
 */
export function contextReader(get: (key: string) => unknown, options: { stack?: boolean } = {}): SettingReader {
  return (setting) =>
    setting.context === undefined
      ? setting.default
      : readValue(setting, get(setting.context), {
          source: 'context',
          spelling: setting.context,
          ...(options.stack ? { stack: true } : {}),
        });
}

/**
 * Reads from parsed CLI options (commander's values object: `--key-types` is `keyTypes`). A repeatable
 * flag delivers a list; an empty list means the flag was not given.
 */
export function flagReader(values: Readonly<Record<string, unknown>>): SettingReader {
  return (setting) => {
    if (setting.flag === undefined) return setting.default;
    let raw = values[flagAttribute(setting.flag)];
    if (Array.isArray(raw) && raw.length === 0) raw = undefined;
    if (Array.isArray(raw) && raw.some((one) => typeof one === 'string' && one.trim() === '')) raw = '';
    return readValue(setting, raw, { source: 'flag', spelling: setting.flag });
  };
}

/** Reads one property of a construct (or any typed caller) through the setting's parser. */
export function readProp<T, D extends T | undefined>(
  setting: Setting<T, D>,
  value: unknown,
  owner: string,
  spelling: string = setting.name,
): T | D {
  return readValue(setting, value, { source: 'prop', spelling, owner });
}

/** commander's attribute name of a flag: `--key-types` → `keyTypes`. */
export function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function at_(setting: Setting<unknown, unknown>, at: RawAt) {
  return { setting: setting.name, spelling: at.spelling, source: at.source };
}

function label(at: RawAt): string {
  switch (at.source) {
    case 'env':
    case 'flag':
      return at.spelling;
    case 'context':
      return `context ${at.spelling}`;
    case 'prop':
      return `${at.owner ?? 'property'} ${at.spelling}`;
  }
}

/** The value as given, quoted and cut short: `="0"` for a variable, ` "5"` for a flag, `=5` for context. */
function shown(at: RawAt, raw: unknown): string {
  const json = JSON.stringify(raw) ?? String(raw);
  const text =
    typeof raw === 'string'
      ? quoteInput(raw)
      : json.length <= 80
        ? json
        : `${json.slice(0, 60)}… (${json.length} characters)`;
  return at.source === 'flag' ? ` ${text}` : `=${text}`;
}

/**
 * Reads a setting a caller cannot do without (the handler's table and topic).
 * @throws ConfigError naming the spelling when it is not set
 */
export function required<T>(read: SettingReader, setting: Setting<T, undefined>, source: SettingSource): T {
  const value = read(setting);
  if (value !== undefined) return value;
  const spelling = spellingOf(setting, source) ?? setting.name;
  throw new ConfigError(
    { setting: setting.name, spelling, source },
    `${label({ source, spelling })} is not set: ${setting.doc}`,
  );
}

/** The environment variable of a setting that has one (the function's environment contract). */
export function envName(setting: Setting<unknown, unknown>): string {
  if (setting.env === undefined) throw new Error(`setting ${setting.name} has no environment variable`);
  return setting.env;
}
