/**
 * What a setting is: one name, one parser (with its one range), one default, one line of docs, and up
 * to three spellings — a CLI flag, an environment variable, a CDK context key.
 */
import type { Parser } from './parsers';

/**
 * One entry of the settings table. `D` is the type of its default: `T`, or `undefined` for a setting
 * without one (optional, or required by the reader that needs it).
 */
export interface Setting<T, D extends T | undefined = T | undefined> {
  /** The canonical name (the construct property and, where there is one, the context key). */
  readonly name: string;
  /** One line for the docs: what the setting does. */
  readonly doc: string;
  readonly parser: Parser<T>;
  /** The value when no spelling gives one. */
  readonly default: D;
  /** The default as written in docs and messages (derived from `default` when absent). */
  readonly defaultText?: string;
  /** CLI flag, e.g. `--timeout`. */
  readonly flag?: string;
  /** Environment variable, e.g. `CERTWATCH_PROBE_TIMEOUT_MS`. */
  readonly env?: string;
  /** CDK context key, e.g. `probeTimeoutMs`. */
  readonly context?: string;
}

/** Declares a setting with a default. */
export function defineSetting<T>(setting: Setting<T, T>): Setting<T, T> {
  return Object.freeze(setting);
}

/** Declares a setting without a default. */
export function defineOptional<T>(setting: Omit<Setting<T, undefined>, 'default'>): Setting<T, undefined> {
  return Object.freeze({ ...setting, default: undefined });
}

/** The default as docs and messages write it: lists comma-separated, none as `(none)`. */
export function defaultText(setting: Setting<unknown, unknown>): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  return showValue(setting.default);
}

function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(showValue).join(',');
  if (value !== null && typeof value === 'object') {
    const named = value as { url?: string; text?: string };
    return named.url ?? named.text ?? JSON.stringify(value);
  }
  return String(value);
}
