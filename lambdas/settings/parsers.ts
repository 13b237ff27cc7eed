/**
 * Parsers of setting values. A raw value is whatever a spelling delivers: a string (flag, environment,
 * `-c key=value`), or a JSON value (cdk.json, construct properties). Parsers never see an empty or
 * missing value (the reader handles those) and throw {@link InvalidValue} with the reason.
 */
import { InvalidValue } from './config-error';

/** Turns a raw value into a setting's value, and says what it accepts (for errors and docs). */
export interface Parser<T> {
  parse(raw: unknown): T;
  /** What the parser accepts, in words: "a whole number from 100 to 300000". */
  readonly accepts: string;
}

/** The text of a scalar raw value. */
export function scalar(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new InvalidValue(`must be a single value, not ${Array.isArray(raw) ? 'a list' : typeof raw}`);
}

/** Whole numbers from `min` to `max`. */
export function integer(min: number, max: number): Parser<number> {
  const accepts = `a whole number from ${min} to ${max}`;
  return {
    accepts,
    parse(raw) {
      const value = typeof raw === 'number' ? raw : /^[+-]?\d+$/.test(scalar(raw)) ? Number(scalar(raw)) : Number.NaN;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new InvalidValue(`must be ${accepts}`);
      }
      return value;
    },
  };
}

/** A number strictly between 0 and 1. */
export function fraction(example: number): Parser<number> {
  const accepts = `a fraction in (0, 1), e.g. ${example} or 1/3`;
  return {
    accepts,
    parse(raw) {
      const text = scalar(raw);
      // Written as a ratio too (`1/3`): the docs show some defaults that way.
      const ratio = /^(\d+)\/(\d+)$/.exec(text);
      const value = ratio ? Number(ratio[1]) / Number(ratio[2]) : Number(text);
      if (text === '' || !Number.isFinite(value) || value <= 0 || value >= 1)
        throw new InvalidValue(`must be ${accepts}`);
      return value;
    },
  };
}

/** One of a few words; `explain` adds what each means, e.g. `{ node: "Node's bundled roots" }`. */
export function oneOf<const W extends string>(
  words: readonly W[],
  explain: Partial<Record<W, string>> = {},
): Parser<W> {
  const quoted = words.map((w) => (explain[w] ? `"${w}" (${explain[w]})` : `"${w}"`));
  const accepts = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return {
    accepts,
    parse(raw) {
      const text = scalar(raw).toLowerCase();
      if (!(words as readonly string[]).includes(text)) throw new InvalidValue(`must be ${accepts}`);
      return text as W;
    },
  };
}

/** Any non-empty text matching `pattern`. */
export function text(pattern: RegExp, accepts: string): Parser<string> {
  return {
    accepts,
    parse(raw) {
      const value = scalar(raw);
      if (!pattern.test(value)) throw new InvalidValue(`is not ${accepts}`);
      return value;
    },
  };
}

/** `true`/`false` (also `1`/`0`). */
export const boolean: Parser<boolean> = {
  accepts: 'true or false',
  parse(raw) {
    const value = scalar(raw).toLowerCase();
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new InvalidValue('must be true or false');
  },
};

/** Options of {@link listOf}. */
export interface ListOptions {
  /** Fewest items (default 1). */
  min?: number;
  /** How a string splits into items (default: commas and/or whitespace). */
  separator?: RegExp;
  /** What a list of these looks like, for messages and docs. */
  example: string;
}

const COMMAS_OR_SPACES = /\s*,\s*|\s+/;

/**
 * A list: a JSON array (cdk.json, properties), a JSON array string, or a separated string (`a,b`).
 * Items are parsed one by one (an item's reason names the item); an empty item (`14,,7`) is refused.
 */
export function listOf<T>(item: (raw: string) => T, options: ListOptions): Parser<T[]> {
  const min = options.min ?? 1;
  return {
    accepts: `a list such as ${options.example}`,
    parse(raw) {
      const items = splitList(raw, options.separator ?? COMMAS_OR_SPACES);
      if (items.length < min)
        throw new InvalidValue(
          `must list at least ${min === 1 ? 'one item' : `${min} items`}, e.g. ${options.example}`,
        );
      return items.map((one) => {
        if (one === '') throw new InvalidValue(`has an empty item (a list looks like ${options.example})`);
        return item(one);
      });
    },
  };
}

function splitList(raw: unknown, separator: RegExp): string[] {
  let value = raw;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new InvalidValue('starts with "[" but is not a JSON array', { cause });
    }
  }
  if (Array.isArray(value)) {
    return value.map((one) => {
      if (typeof one !== 'string' && typeof one !== 'number') {
        throw new InvalidValue(`list items must be strings or numbers, got ${JSON.stringify(one)}`);
      }
      return String(one).trim();
    });
  }
  const text = scalar(value);
  return text === '' ? [] : text.split(separator);
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;

/**
 * A fixed period `rate(N minutes|hours|days)` from `minMinutes` to `maxMinutes`, in minutes.
 * A number is taken as minutes (construct properties pass durations that way).
 */
export function rate(minMinutes: number, maxMinutes: number, note = ''): Parser<number> {
  const accepts = `rate(N minutes), rate(N hours) or rate(N days), from ${rateText(minMinutes)} to ${rateText(maxMinutes)}${note}`;
  return {
    accepts,
    parse(raw) {
      let minutes: number;
      if (typeof raw === 'number') minutes = raw;
      else {
        const match = RATE.exec(scalar(raw));
        if (!match) throw new InvalidValue(`must be ${accepts}`);
        const unit = match[2].toLowerCase().replace(/s$/, '');
        minutes = Number(match[1]) * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
      }
      if (!Number.isFinite(minutes) || minutes < minMinutes || minutes > maxMinutes) {
        throw new InvalidValue(`must be ${accepts}`);
      }
      return minutes;
    },
  };
}

/** `rate(15 minutes)`, `rate(12 hours)`, `rate(7 days)`. */
export function rateText(minutes: number): string {
  if (minutes % 1440 === 0) return `rate(${minutes / 1440} ${minutes === 1440 ? 'day' : 'days'})`;
  if (minutes % 60 === 0) return `rate(${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'})`;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/** A parser that also accepts `word` (e.g. `off`). */
export function orWord<T, const W extends string>(word: W, inner: Parser<T>): Parser<T | W> {
  return {
    accepts: `"${word}" or ${inner.accepts}`,
    parse(raw) {
      if (typeof raw === 'string' && raw.trim().toLowerCase() === word) return word;
      try {
        return inner.parse(raw);
      } catch (error) {
        if (error instanceof InvalidValue)
          throw new InvalidValue(`must be "${word}" or ${inner.accepts}`, { cause: error });
        throw error;
      }
    },
  };
}

/** Wraps a domain parser (which throws its own error) so its message becomes the reason. */
export function via<T>(
  accepts: string,
  parse: (raw: unknown) => T,
  isDomainError: (error: unknown) => boolean,
): Parser<T> {
  return {
    accepts,
    parse(raw) {
      try {
        return parse(raw);
      } catch (error) {
        if (isDomainError(error)) throw new InvalidValue((error as Error).message, { cause: error });
        throw error;
      }
    },
  };
}
