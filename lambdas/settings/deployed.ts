/**
 * The settings the stack ships to the watch function, found by their `deploy` mark in the settings
 * table: their types (the construct's properties and the function's values are mapped from the table),
 * one reader for every source, and their environment text. A deployed setting is therefore one table
 * entry: the stack reads it from context and from the watcher's properties, carries it in the function's
 * environment (lambdas/contract/function-env.ts) and the handler reads it back
 * (lambdas/settings/handler-config.ts). Logic-light: the CDK app imports this.
 */
import type { SettingReader } from './read';
import type { DeployKind, Setting } from './setting';
import { SETTINGS, type SettingName } from './table';

type Table = typeof SETTINGS;

/** Names of the settings the stack deploys as `K`. */
export type DeployedName<K extends DeployKind> = {
  [N in SettingName]: Table[N] extends { readonly deploy: K } ? N : never;
}[SettingName];

/** The value of a setting: its parser's type, or its default's (`undefined` for a setting without one). */
export type SettingValue<S> = S extends Setting<infer T, infer D> ? T | D : never;

/**
 * A value in the form its parser takes again, as a construct property or an environment variable gives
 * it: targets as their URL, posture rules as their text, lists item by item.
 */
export type Plain<T> = T extends readonly (infer I)[]
  ? readonly Plain<I>[]
  : T extends { readonly url: string }
    ? string
    : T extends { readonly text: string }
      ? string
      : T;

/** The parsed values of the settings deployed as `K`, by name. */
export type DeployedValues<K extends DeployKind> = { [N in DeployedName<K>]: SettingValue<Table[N]> };

/** The same values in their plain form. */
export type PlainValues<K extends DeployKind> = { [N in DeployedName<K>]: Plain<SettingValue<Table[N]>> };

/** The construct properties of the settings deployed as `K`: optional, in their plain form. */
export type DeployedProps<K extends DeployKind> = { readonly [N in DeployedName<K>]?: Plain<SettingValue<Table[N]>> };

/** The settings deployed as `kind`, in table order (looked up at each call, so a test may add one). */
export function deployedSettings(kind: DeployKind): Setting<unknown, unknown>[] {
  return (Object.values(SETTINGS) as Setting<unknown, unknown>[]).filter((setting) => setting.deploy === kind);
}

/**
 * Reads every setting deployed as `kind` through one reader: CDK context, the watcher's properties or
 * the function's environment.
 * @throws ConfigError naming the first setting at fault, as the reader spells it
 */
export function readDeployed<K extends DeployKind>(kind: K, read: SettingReader): DeployedValues<K> {
  return Object.fromEntries(
    deployedSettings(kind).map((setting) => [setting.name, read(setting)]),
  ) as DeployedValues<K>;
}

/** A value in its plain form (see {@link Plain}). */
export function plain<T>(value: T): Plain<T> {
  if (Array.isArray(value)) return value.map(plain) as Plain<T>;
  if (value !== null && typeof value === 'object') {
    const named = value as { url?: unknown; text?: unknown };
    if (typeof named.url === 'string') return named.url as Plain<T>;
    if (typeof named.text === 'string') return named.text as Plain<T>;
  }
  return value as Plain<T>;
}

/** Values in their plain form, by name. */
export function plainValues<K extends DeployKind>(values: DeployedValues<K>): PlainValues<K> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, plain(value)])) as PlainValues<K>;
}

/**
 * A value as an environment variable carries it, for the setting's parser to read back: plain, lists
 * comma-separated. Undefined for no value and for an empty list (an empty variable is an error).
 */
export function envText(value: unknown): string | undefined {
  const text = plain(value);
  if (text === undefined || text === null) return undefined;
  if (Array.isArray(text)) return text.length === 0 ? undefined : text.map(String).join(',');
  return String(text);
}
