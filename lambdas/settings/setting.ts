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
  /**
   * How the stack ships the setting to the watch function (lambdas/settings/deployed.ts); absent when
   * it does not (the stack may still read it, as it reads the schedule).
   */
  readonly deploy?: DeployKind;
  /** The value the stack uses when none is given, where it differs from `default` (addressFamilies: 4). */
  readonly stackDefault?: T;
}

/**
 * How the stack ships a setting to the watch function (docs/deploy.md):
 * - `function`: read from context (`context` key) and from the `CertificateWatcher` property of the
 *   setting's name, carried in the function's environment (`env`), read back by the handler;
 * - `watch`: the same for a change-detection threshold, a field of `WatchConfig` (property
 *   `watchConfig.<name>`);
 * - `stack`: set by the stack from what it builds (the table, the topic, the egress), carried in the
 *   environment.
 */
export type DeployKind = 'function' | 'watch' | 'stack';

/** What an entry declares: `T` is inferred from the parser alone (a default of `'node'` is not a type). */
type Declared<T, K> = Omit<Setting<T, undefined>, 'default' | 'stackDefault' | 'deploy'> & {
  readonly stackDefault?: NoInfer<T>;
  readonly deploy?: K;
};

/**
 * Declares a setting with a default. A deployed setting leaves `T` to inference (give no type argument):
 * its `deploy` kind stays in its type, from which the construct's properties are typed.
 */
export function defineSetting<T, const K extends DeployKind | undefined = undefined>(
  setting: Declared<T, K> & { readonly default: NoInfer<T> },
): Setting<T, T> & { readonly deploy: K } {
  return Object.freeze(setting) as Setting<T, T> & { readonly deploy: K };
}

/** Declares a setting without a default (a deployed one as {@link defineSetting} says). */
export function defineOptional<T, const K extends DeployKind | undefined = undefined>(
  setting: Declared<T, K>,
): Setting<T, undefined> & { readonly deploy: K } {
  return Object.freeze({ ...setting, default: undefined }) as Setting<T, undefined> & { readonly deploy: K };
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
