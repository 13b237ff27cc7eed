/**
 * The parsers of the settings whose values are more than a number or a word: lists of targets, key
 * types, families, pins, rules, thresholds, e-mails; retention days; EHLO names; PEM anchors. Each
 * refuses with an {@link InvalidValue} whose reason names the item at fault.
 */
import { parseEhloName } from '../core/ehlo-name';
import { CoreError } from '../core/errors';
import { KEY_TYPES, type KeyType } from '../core/observation';
import { PostureError } from '../core/posture/errors';
import { type PolicyRule, parsePolicy } from '../core/posture/policy';
import type { AddressFamily } from '../core/probe-options';
import { REVOCATION_METHODS, type RevocationMethod } from '../core/revocation/model';
import { parseResolve, parseTargets, type ResolvePin, type Target } from '../core/targets';
import { pemToDerList } from '../core/x509/pem';
import { InvalidValue } from './config-error';
import { integer, listOf, type Parser, scalar, text, via } from './parsers';

const isCoreError = (error: unknown) => error instanceof CoreError;

export const TARGET_LIST: Parser<Target[]> = via(
  'smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS) URLs, comma-separated',
  (raw) =>
    parseTargets(listOf((url) => url, { example: 'smtps://smtp.gmail.com:465,smtp://mx.example.com' }).parse(raw)),
  isCoreError,
);

/** Target URLs as {@link TARGET_LIST}, where none is a value too (an empty list). */
export const TARGET_LIST_OR_NONE: Parser<Target[]> = via(
  'smtp://host[:port] or smtps://host[:port] URLs, comma-separated (none: empty)',
  (raw) => parseTargets(listOf((url) => url, { min: 0, example: 'smtps://smtp.gmail.com:465' }).parse(raw)),
  isCoreError,
);

export const KEY_TYPE_LIST: Parser<KeyType[]> = dedupe(
  listOf(
    (item) => {
      const keyType = item.toLowerCase();
      if (!KEY_TYPES.includes(keyType as KeyType))
        throw new InvalidValue(`"${item}" is not one of ${KEY_TYPES.join(', ')}`);
      return keyType as KeyType;
    },
    { example: 'rsa,ecdsa' },
  ),
);

/**
 * `crl,ocsp`, `crl`, `ocsp` or `off`: the revocation sources fetched. `off` stays a word (not an empty
 * list) so that it survives the trip through the function's environment.
 */
export const REVOCATION_METHOD_LIST: Parser<RevocationMethod[] | 'off'> = {
  accepts: 'crl,ocsp, crl, ocsp or off',
  parse(raw) {
    if (typeof raw === 'string' && raw.trim().toLowerCase() === 'off') return 'off';
    const methods = dedupe(
      listOf(
        (item) => {
          const method = item.toLowerCase();
          if (!REVOCATION_METHODS.includes(method as RevocationMethod)) {
            throw new InvalidValue(`"${item}" is not crl or ocsp (or off alone)`);
          }
          return method as RevocationMethod;
        },
        { example: 'crl,ocsp' },
      ),
    ).parse(raw);
    return REVOCATION_METHODS.filter((m) => methods.includes(m));
  },
};

/** `all`, `4`, `6` or a list such as `4,6` (the CLI's `--family all|4|6` and the list form agree). */
export const FAMILY_LIST: Parser<AddressFamily[]> = {
  accepts: '4, 6, 4,6 or all',
  parse(raw) {
    if (typeof raw === 'string' && raw.trim().toLowerCase() === 'all') return [4, 6];
    return dedupe(
      listOf(
        (item) => {
          if (item !== '4' && item !== '6') {
            throw new InvalidValue(`"${item}" is not 4 or 6 (e.g. 4, or 4,6 in a dual-stack VPC; all = both)`);
          }
          return Number(item) as AddressFamily;
        },
        { example: '4,6' },
      ),
    ).parse(raw);
  },
};

export const POSTURE_RULES: Parser<PolicyRule[]> = {
  accepts: 'posture rules such as min-version=TLS1.2,no-3des',
  parse(raw) {
    const items = listOf((rule) => rule, { min: 0, separator: /\s*,\s*/, example: 'min-version=TLS1.2,no-3des' }).parse(
      raw,
    );
    try {
      return items.length === 0 ? [] : parsePolicy(items);
    } catch (error) {
      if (error instanceof PostureError) throw new InvalidValue(error.message, { cause: error });
      throw error;
    }
  },
};

export const EXPIRY_DAYS: Parser<number[]> = {
  accepts: 'days before expiry, e.g. 21,14,7,3,1 (each in (0, 3650])',
  parse(raw) {
    const days = listOf(
      (item) => {
        // Decimal only: Number() would also take 0x10, 1e1 or Infinity.
        const value = /^\d+(\.\d+)?$/.test(item) ? Number(item) : Number.NaN;
        if (!Number.isFinite(value)) throw new InvalidValue(`"${item}" is not a number of days (e.g. 21,14,7,3,1)`);
        if (value <= 0 || value > 3650)
          throw new InvalidValue(`threshold ${item} must be a number of days in (0, 3650]`);
        return value;
      },
      { example: '21,14,7,3,1' },
    ).parse(raw);
    return [...new Set(days)].sort((a, b) => b - a);
  },
};

export const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[A-Za-z]{2,}$/;
export const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
/** CloudWatch Logs retention periods (days) a log group accepts, "never expire" aside. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const NO_SPACES = text(/^[^\s\p{Cc}]{1,1024}$/u, 'a value without spaces or control characters');

/** curl-style address pins, space-separated in the environment, one per `--resolve`. */
export const RESOLVE_PINS: Parser<ResolvePin[]> = listOf(
  (pin) => {
    try {
      return parseResolve(pin);
    } catch (error) {
      if (error instanceof CoreError) throw new InvalidValue(error.message, { cause: error });
      throw error;
    }
  },
  { min: 0, separator: /\s+/, example: 'smtp.gmail.com:465:192.0.2.1' },
);

/** PEM text of trust anchors (at least one certificate). */
export const PEM_ANCHORS: Parser<Uint8Array[]> = {
  accepts: 'PEM certificates',
  parse(raw) {
    let ders: Uint8Array[];
    try {
      ders = pemToDerList(typeof raw === 'string' ? raw : '');
    } catch (error) {
      if (error instanceof CoreError) throw new InvalidValue(error.message, { cause: error });
      throw error;
    }
    if (ders.length === 0) throw new InvalidValue('holds no PEM certificate');
    return ders;
  },
};

/** E-mail addresses, de-duplicated. */
export const EMAIL_LIST: Parser<string[]> = dedupe(
  listOf(
    (email) => {
      if (!EMAIL.test(email)) throw new InvalidValue(`"${email}" is not an e-mail address`);
      return email;
    },
    { min: 0, example: 'ops@example.com,oncall@example.com' },
  ),
);

/** A retention period CloudWatch Logs accepts. */
export const LOG_RETENTION: Parser<number> = {
  accepts: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
  parse(raw) {
    const days = integer(1, 3653).parse(raw);
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
      throw new InvalidValue(`must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
    }
    return days;
  },
};

/** An EHLO name (a bare address becomes its literal). */
export const EHLO_NAME: Parser<string> = via(
  'a domain name or an address literal such as [192.0.2.1]',
  (raw) => parseEhloName(typeof raw === 'string' ? raw : scalar(raw)),
  isCoreError,
);

/** Drops repeated items, keeping the first. */
export function dedupe<T>(inner: Parser<T[]>): Parser<T[]> {
  return { accepts: inner.accepts, parse: (raw) => [...new Set(inner.parse(raw))] };
}
