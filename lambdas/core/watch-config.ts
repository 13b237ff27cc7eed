/**
 * Thresholds of change detection. Plain data, validated once where it enters (CLI, handler environment).
 */

/** What change detection needs to know beyond history and observations. */
export interface WatchConfig {
  /** Days-left thresholds that raise EXPIRY_WARNING once each, largest first (default 21, 14, 7, 3, 1). */
  expiryThresholdsDays: readonly number[];
  /**
   * An address goes stale (its last observation no longer counts as "still serving") once its key type
   * was observed elsewhere at the target for at least this many cycles since (default 3)...
   */
  staleAfterCycles: number;
  /** ...and for at least this many hours since (default 48: Google's DNS may name a frontend only about once a day;
   * an address whose own gaps were longer gets twice its longest gap). */
  staleAfterHours: number;
  /** Consecutive failed cycles of a target before PROBE_FAILING (default 3). */
  failingAfter: number;
  /** Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen (default 0.75). */
  rotationOverdueShare: number;
}

/** The defaults of DESIGN.md. */
export const DEFAULT_WATCH_CONFIG: WatchConfig = Object.freeze({
  expiryThresholdsDays: Object.freeze([21, 14, 7, 3, 1]),
  staleAfterCycles: 3,
  staleAfterHours: 48,
  failingAfter: 3,
  rotationOverdueShare: 0.75,
});

/** Stable codes of configuration errors. */
export type WatchConfigErrorCode = 'CONFIG_INVALID';

/** A watch configuration that cannot be used; the message names the setting and the accepted values. */
export class WatchConfigError extends Error {
  readonly code: WatchConfigErrorCode = 'CONFIG_INVALID';
  /** The setting at fault, e.g. `expiryThresholdsDays`. */
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatchConfigError';
    this.setting = setting;
  }
}

/**
 * Builds a complete configuration from partial input over the defaults, and validates it.
 * Thresholds are de-duplicated and sorted largest first.
 * @throws WatchConfigError naming the first invalid setting.
 */
export function resolveWatchConfig(input: Partial<WatchConfig> = {}): WatchConfig {
  rejectRenamed(input);
  const merged = { ...DEFAULT_WATCH_CONFIG, ...stripUndefined(input) };
  const thresholds = merged.expiryThresholdsDays;
  if (!Array.isArray(thresholds) || thresholds.length === 0) {
    throw new WatchConfigError('expiryThresholdsDays', 'expiryThresholdsDays must list at least one number of days');
  }
  for (const days of thresholds) {
    if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > 3650) {
      throw new WatchConfigError(
        'expiryThresholdsDays',
        `expiry threshold ${String(days)} must be a number of days in (0, 3650]`,
      );
    }
  }
  positiveInteger('staleAfterCycles', merged.staleAfterCycles, 1000);
  const hours = merged.staleAfterHours;
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0 || hours > 24 * 365) {
    throw new WatchConfigError(
      'staleAfterHours',
      `staleAfterHours ${String(hours)} must be a number of hours from 0 to 8760, e.g. 48`,
    );
  }
  positiveInteger('failingAfter', merged.failingAfter, 1000);
  const share = merged.rotationOverdueShare;
  if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share >= 1) {
    throw new WatchConfigError(
      'rotationOverdueShare',
      `rotationOverdueShare ${String(share)} must be a fraction in (0, 1), e.g. 0.75`,
    );
  }
  return {
    expiryThresholdsDays: [...new Set(thresholds)].sort((a, b) => b - a),
    staleAfterCycles: merged.staleAfterCycles,
    staleAfterHours: hours,
    failingAfter: merged.failingAfter,
    rotationOverdueShare: share,
  };
}

/** Environment variable names read by {@link watchConfigFromEnv}. */
export const WATCH_CONFIG_ENV = {
  expiryThresholdsDays: 'CERTWATCH_EXPIRY_DAYS',
  staleAfterCycles: 'CERTWATCH_STALE_AFTER_CYCLES',
  staleAfterHours: 'CERTWATCH_STALE_AFTER_HOURS',
  failingAfter: 'CERTWATCH_FAILING_AFTER',
  rotationOverdueShare: 'CERTWATCH_ROTATION_OVERDUE_SHARE',
} as const;

/**
 * Reads the configuration from environment strings (the Lambda handler's way in); unset = default.
 * `CERTWATCH_EXPIRY_DAYS` is a comma-separated list such as `30,14,7`.
 * @throws WatchConfigError naming the variable at fault.
 */
export function watchConfigFromEnv(env: Readonly<Record<string, string | undefined>>): WatchConfig {
  if (env[RENAMED_ENV] !== undefined) {
    throw new WatchConfigError(
      'staleAfterCycles',
      `${RENAMED_ENV} was replaced by ${WATCH_CONFIG_ENV.staleAfterCycles} (with ${WATCH_CONFIG_ENV.staleAfterHours}): ` +
        'a leaf retires once every address that served it has moved on or gone stale',
    );
  }
  const read = (key: keyof typeof WATCH_CONFIG_ENV): number | undefined => {
    const raw = env[WATCH_CONFIG_ENV[key]];
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = Number(raw.trim());
    if (!Number.isFinite(value)) {
      throw new WatchConfigError(key, `${WATCH_CONFIG_ENV[key]}="${raw}" is not a number`);
    }
    return value;
  };
  const days = env[WATCH_CONFIG_ENV.expiryThresholdsDays];
  let expiryThresholdsDays: number[] | undefined;
  if (days !== undefined && days.trim() !== '') {
    expiryThresholdsDays = days.split(',').map((part) => {
      const value = Number(part.trim());
      if (part.trim() === '' || !Number.isFinite(value)) {
        throw new WatchConfigError(
          'expiryThresholdsDays',
          `${WATCH_CONFIG_ENV.expiryThresholdsDays}="${days}" must be a comma-separated list of days, e.g. 21,14,7,3,1`,
        );
      }
      return value;
    });
  }
  return resolveWatchConfig({
    expiryThresholdsDays,
    staleAfterCycles: read('staleAfterCycles'),
    staleAfterHours: read('staleAfterHours'),
    failingAfter: read('failingAfter'),
    rotationOverdueShare: read('rotationOverdueShare'),
  });
}

/** The environment variable of the setting `retireAfterCycles`, which staleAfterCycles/staleAfterHours replaced. */
const RENAMED_ENV = 'CERTWATCH_RETIRE_AFTER_CYCLES';

/** The old setting name gets an error naming the new one (a silently ignored setting would mislead). */
function rejectRenamed(input: object): void {
  if ('retireAfterCycles' in input && (input as Record<string, unknown>).retireAfterCycles !== undefined) {
    throw new WatchConfigError(
      'staleAfterCycles',
      'retireAfterCycles was replaced by staleAfterCycles (with staleAfterHours): a leaf retires once every ' +
        'address that served it has moved on or gone stale',
    );
  }
}

function positiveInteger(setting: keyof WatchConfig, value: unknown, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new WatchConfigError(setting, `${setting} ${String(value)} must be a whole number from 1 to ${max}`);
  }
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
