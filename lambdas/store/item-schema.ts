/**
 * What a stored item must hold for certwatch's readers to use it: one rule set per kind of item of the
 * single-table design (README "History table"), shared by `certwatch import`, which refuses an item that
 * breaks it before anything is written, and by the readers (items.ts, watch-list-items.ts), which refuse
 * it naming the item and the field. The rules are exactly what the readers need, no more: an attribute a
 * reader does without may be absent (items of earlier releases lack some), but when present it has the
 * type the reader expects. Items of a kind this module does not know are left to their own readers
 * (other modules add kinds); for them only the keys and the size are checked.
 */
import { keys } from '../contract/table-schema';
import { REVOCATION_REASONS } from '../core/revocation/model';
import { StoreError } from './errors';

/** A stored item, as lib-dynamodb returns it. */
export type StoredItem = Record<string, unknown>;

/** The largest item DynamoDB stores: 400 KB, counted as DynamoDB counts (see {@link dynamoItemSize}). */
export const MAX_ITEM_BYTES = 400 * 1024;

type FieldType =
  | 'string'
  | 'time'
  | 'sha256'
  | 'number'
  | 'boolean'
  | 'object'
  | 'list'
  | 'string list'
  | 'number list'
  | { oneOf: readonly string[] };

interface FieldRule {
  type: FieldType;
  /** The reader cannot do without it. */
  required?: boolean;
  /** `null` stands for "none" (e.g. `retiredAt`). */
  nullable?: boolean;
}

/** One kind of item: how its keys look and what its attributes must be. */
interface ItemKind {
  /** For messages: "certificate", "target state", … */
  name: string;
  matches(pk: string, sk: string): boolean;
  fields: Readonly<Record<string, FieldRule>>;
  /** Attributes that repeat a part of the keys (a reader trusts either): the value the keys imply. */
  impliedByKeys?(pk: string, sk: string): Record<string, string>;
  /** Rules for the attributes of an object attribute (checked when that attribute is an object). */
  inner?: Readonly<Record<string, Readonly<Record<string, FieldRule>>>>;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SHA256 = /^[0-9a-f]{64}$/;
const TARGET = 'TARGET#';

const req = (type: FieldType): FieldRule => ({ type, required: true });
const opt = (type: FieldType): FieldRule => ({ type });
const nullable = (type: FieldType): FieldRule => ({ type, nullable: true });

/** What a reader takes from a stored revocation verdict: only trusted answers are kept (docs/revocation.md). */
const REVOCATION_VERDICT: Readonly<Record<string, FieldRule>> = {
  status: req({ oneOf: ['good', 'revoked'] }),
  source: req({ oneOf: ['crl', 'ocsp'] }),
  url: nullable('string'),
  thisUpdate: nullable('time'),
  nextUpdate: nullable('time'),
  revokedAt: opt('time'),
  reason: opt({ oneOf: REVOCATION_REASONS.filter((r): r is NonNullable<typeof r> => r !== null) }),
};

const KINDS: readonly ItemKind[] = [
  {
    name: 'certificate',
    matches: (pk, sk) => pk.startsWith(TARGET) && sk.startsWith('CERT#'),
    impliedByKeys: (pk, sk) => ({ target: pk.slice(TARGET.length), sha256: sk.slice('CERT#'.length) }),
    fields: {
      target: req('string'),
      sha256: req('sha256'),
      sha1: req('string'),
      role: req({ oneOf: ['leaf', 'chain'] }),
      keyType: req({ oneOf: ['rsa', 'ecdsa'] }),
      subject: req('string'),
      issuer: req('string'),
      serial: req('string'),
      notBefore: req('time'),
      notAfter: req('time'),
      spkiSha256: req('string'),
      keyAlgorithm: req('string'),
      signatureAlgorithm: req('string'),
      firstSeen: req('time'),
      lastSeen: req('time'),
      status: req({ oneOf: ['active', 'retired'] }),
      sans: opt('string list'),
      chain: opt('string list'),
      addresses: opt('string list'),
      warned: opt('number list'),
      noticed: opt('string list'),
      selfSigned: opt('boolean'),
      anchor: nullable('string'),
      anchorSha256: nullable('string'),
      retiredAt: nullable('time'),
      retirements: opt('number'),
      lastMark: opt('number'),
      since: opt('object'),
      policy: opt('object'),
      rev: opt('number'),
    },
  },
  {
    name: 'target state',
    matches: (pk, sk) => pk.startsWith(TARGET) && sk === keys.state,
    impliedByKeys: (pk) => ({ target: pk.slice(TARGET.length) }),
    fields: {
      target: req('string'),
      version: opt('number'),
      lastCycleAt: nullable('time'),
      cycles: opt('number'),
      slots: opt('list'),
      consecutiveFailures: opt('number'),
      failingNotified: opt('boolean'),
      starttlsOffered: opt('boolean'),
      starttlsMissing: opt('boolean'),
      missing: opt('object'),
      evidence: opt('list'),
      keyTypes: opt('object'),
      raised: opt('string list'),
      liveRev: opt('number'),
      cadence: opt('number'),
    },
  },
  {
    name: 'live view',
    matches: (pk, sk) => pk.startsWith(TARGET) && sk === keys.liveView,
    impliedByKeys: (pk) => ({ target: pk.slice(TARGET.length) }),
    fields: { target: req('string'), certs: req('string'), summary: opt('object'), rev: opt('number') },
  },
  {
    name: 'TLS posture',
    matches: (pk, sk) => pk.startsWith(TARGET) && sk === keys.posture,
    fields: { postures: opt('object'), updatedAt: opt('time') },
  },
  {
    name: 'outbox notice',
    matches: (pk, sk) => pk === keys.outbox && sk.startsWith('NOTICE#'),
    impliedByKeys: (_pk, sk) => ({ dedupeKey: sk.slice('NOTICE#'.length) }),
    fields: {
      dedupeKey: req('string'),
      status: req({ oneOf: ['pending', 'sent'] }),
      createdAt: req('time'),
      notice: req('object'),
      attempts: opt('number'),
      seq: opt('number'),
      sentAt: nullable('time'),
      messageId: nullable('string'),
      lastError: nullable('string'),
      claimedBy: nullable('string'),
      claimedUntil: nullable('time'),
    },
  },
  {
    name: 'pending-notice marker',
    matches: (pk, sk) => pk === keys.outboxPending && sk.startsWith('NOTICE#'),
    impliedByKeys: (_pk, sk) => ({ dedupeKey: sk.slice('NOTICE#'.length) }),
    fields: { dedupeKey: req('string'), at: opt('time') },
  },
  {
    name: 'outbox index',
    matches: (pk, sk) => pk === keys.outboxPending && sk === keys.outboxIndexed,
    fields: { sweptAt: opt('time') },
  },
  {
    name: 'watch-list entry',
    matches: (pk, sk) => pk === keys.watchList && sk.startsWith('ITEM#'),
    impliedByKeys: (_pk, sk) => ({ target: sk.slice('ITEM#'.length) }),
    fields: {
      target: req('string'),
      addedAt: req('time'),
      status: opt({ oneOf: ['active', 'removed'] }),
      removedAt: nullable('time'),
      source: opt({ oneOf: ['default', 'cli', 'context', 'adopted'] }),
      policy: opt('object'),
      metric: opt('boolean'),
    },
  },
  {
    name: 'watch-list record',
    matches: (pk, sk) => pk === keys.watchList && sk === keys.watchMeta,
    fields: {
      initializedAt: opt('time'),
      initializedWith: opt({ oneOf: ['default', 'cli', 'context', 'adopted'] }),
      contextDigest: opt('string'),
    },
  },
  {
    name: 'MX set',
    matches: (pk, sk) => pk.startsWith('MX#') && sk === keys.mxSet,
    impliedByKeys: (pk) => ({ domain: pk.slice('MX#'.length) }),
    fields: {
      domain: req('string'),
      hosts: opt('list'),
      gone: opt('object'),
      checkedAt: opt('time'),
      changedAt: opt('time'),
      rev: opt('number'),
    },
  },
  {
    name: 'run baseline',
    matches: (pk, sk) => pk.startsWith('RUN#') && sk.startsWith('BASELINE#'),
    fields: { facts: req('object') },
  },
  {
    name: 'run notice',
    matches: (pk, sk) => pk.startsWith('RUN#') && sk.startsWith('NOTICE#'),
    fields: { notice: req('object') },
  },
  {
    name: 'revocation verdict',
    matches: (pk, sk) => pk.startsWith('REVOCATION#') && sk.startsWith('SERIAL#'),
    impliedByKeys: (pk, sk) => ({ url: pk.slice('REVOCATION#'.length), serial: sk.slice('SERIAL#'.length) }),
    fields: {
      url: req('string'),
      serial: req('string'),
      issuerSha256: req('sha256'),
      verdict: req('object'),
      validUntil: req('time'),
      expiresAt: opt('number'),
    },
    inner: { verdict: REVOCATION_VERDICT },
  },
  {
    name: 'probe rate',
    matches: (pk, sk) => pk === keys.runs && sk === keys.probeRate,
    fields: { entries: req('number'), seconds: req('number'), at: req('time') },
  },
];

const KEYS_NEEDED = 'an item needs non-empty string keys "pk" and "sk"';

/** What is wrong with an item: the attribute at fault (absent for the item as a whole) and why. */
export interface ItemProblem {
  field?: string;
  reason: string;
}

/** The item's keys as messages show them: `TARGET#smtp://x:25 / CERT#ab12…`, cut to stay one short line. */
export function itemName(item: StoredItem): string {
  const cut = (value: unknown) => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    return text.length > 90 ? `${text.slice(0, 89)}…` : text;
  };
  return `${cut(item.pk)} / ${cut(item.sk)}`;
}

function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 39)}…` : json;
}

function typeProblem(value: unknown, type: FieldType): string | null {
  if (typeof type === 'object') {
    return typeof value === 'string' && type.oneOf.includes(value) ? null : `not one of ${type.oneOf.join(', ')}`;
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? null : 'not a string';
    case 'time':
      return typeof value === 'string' && TIME.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : 'not an ISO 8601 time';
    case 'sha256':
      return typeof value === 'string' && SHA256.test(value) ? null : 'not a SHA-256 in lowercase hex (64 digits)';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'not a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'not true or false';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? null : 'not an object';
    case 'list':
      return Array.isArray(value) ? null : 'not a list';
    case 'string list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'not a list of strings';
    case 'number list':
      return Array.isArray(value) && value.every((v) => typeof v === 'number') ? null : 'not a list of numbers';
  }
}

/** The first attribute of the object attribute `outer` that breaks its rule (the field named `outer.name`). */
function innerProblem(
  kindName: string,
  outer: string,
  value: Record<string, unknown>,
  rules: Readonly<Record<string, FieldRule>>,
): ItemProblem | null {
  for (const [name, rule] of Object.entries(rules)) {
    const field = `${outer}.${name}`;
    const inner = value[name];
    if (inner === undefined || (inner === null && (rule.nullable || !rule.required))) {
      if (rule.required) return { field, reason: `a ${kindName} item needs "${field}"` };
      continue;
    }
    const problem = typeProblem(inner, rule.type);
    if (problem) return { field, reason: `"${field}" is ${shown(inner)}, ${problem}` };
  }
  return null;
}

/** The kind of an item by its keys (null: a kind other modules read, or none). */
function kindOf(pk: string, sk: string): ItemKind | null {
  return KINDS.find((kind) => kind.matches(pk, sk)) ?? null;
}

/**
 * Checks an item against the rules of its kind: non-empty string keys, each known attribute of the
 * type its reader expects, attributes that repeat the keys agreeing with them, and (with `size`, for
 * items about to be written: the table itself never holds a larger one) the item's size.
 * @returns the first problem, or null when the item is fine
 */
export function checkItem(item: StoredItem, options: { size?: boolean } = {}): ItemProblem | null {
  const { pk, sk } = item;
  if (typeof pk !== 'string' || pk === '' || typeof sk !== 'string' || sk === '') {
    return { field: typeof pk !== 'string' || pk === '' ? 'pk' : 'sk', reason: KEYS_NEEDED };
  }
  const kind = kindOf(pk, sk);
  if (kind) {
    for (const [field, rule] of Object.entries(kind.fields)) {
      const value = item[field];
      if (value === undefined || (value === null && (rule.nullable || !rule.required))) {
        if (rule.required) return { field, reason: `a ${kind.name} item needs "${field}"` };
        continue;
      }
      const problem = typeProblem(value, rule.type);
      if (problem) return { field, reason: `"${field}" is ${shown(value)}, ${problem}` };
    }
    for (const [outer, rules] of Object.entries(kind.inner ?? {})) {
      const problem = innerProblem(kind.name, outer, item[outer] as Record<string, unknown>, rules);
      if (problem) return problem;
    }
    for (const [field, implied] of Object.entries(kind.impliedByKeys?.(pk, sk) ?? {})) {
      if (item[field] !== implied) {
        return { field, reason: `"${field}" is ${shown(item[field])} but the keys say ${shown(implied)}` };
      }
    }
  }
  const unwritable = options.size ? dynamoWriteProblem(item) : null;
  if (unwritable) return unwritable;
  const size = options.size ? dynamoItemSize(item) : 0;
  if (size > MAX_ITEM_BYTES) {
    return {
      reason: `${size} bytes as DynamoDB counts them, over the ${MAX_ITEM_BYTES} (400 KB) an item may hold`,
    };
  }
  return null;
}

/** DynamoDB's limits on a key attribute's value (developer guide, "Quotas": partition and sort key). */
const KEY_BYTES: Readonly<Record<string, number>> = { pk: 2048, sk: 1024, gsi1pk: 2048, gsi1sk: 1024 };
/** The smallest magnitude of a number DynamoDB stores (below it: "Number underflow"), besides 0. */
const MIN_NUMBER_MAGNITUDE = 1e-130;
/** The longest attribute name DynamoDB accepts, in UTF-8 bytes. */
const MAX_NAME_BYTES = 65_535;
/** The deepest DynamoDB nests lists and maps in an attribute ("Nested attribute depth"). */
const MAX_NESTING = 32;

/**
 * What DynamoDB (or the SDK that marshals the item) would refuse at the write itself, checked before
 * anything is written so that a refused import leaves nothing behind: key values and index keys as
 * non-empty strings within their length, attribute names within theirs, and numbers DynamoDB can hold
 * (integers beyond 2^53 lose digits in JSON and the SDK refuses them; magnitudes below 1e-130 underflow),
 * and lists and maps nested at most 32 deep.
 */
function dynamoWriteProblem(item: StoredItem): ItemProblem | null {
  for (const [field, max] of Object.entries(KEY_BYTES)) {
    const value = item[field];
    if (value === undefined || (field.startsWith('gsi') && value === null)) continue;
    if (typeof value !== 'string' || value === '') {
      return { field, reason: `"${field}" is ${shown(value)}: a key attribute must be a non-empty string` };
    }
    const bytes = Buffer.byteLength(value);
    if (bytes > max) return { field, reason: `"${field}" is ${bytes} bytes long, over the ${max} a key may have` };
  }
  return valueProblem(item, '');
}

function valueProblem(value: unknown, path: string, depth = 0): ItemProblem | null {
  const field = path === '' ? undefined : path.length > 60 ? `${path.slice(0, 59)}…` : path;
  if (depth > MAX_NESTING && typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const attribute = path.split(/[.[]/)[0];
    return {
      field: attribute,
      reason: `"${attribute}" nests lists or maps over the ${MAX_NESTING} levels DynamoDB takes`,
    };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { field, reason: `"${field}" is not a finite number` };
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return { field, reason: `"${field}" is ${value}, an integer beyond 2^53 that JSON cannot carry exactly` };
    }
    if (value !== 0 && Math.abs(value) < MIN_NUMBER_MAGNITUDE) {
      return { field, reason: `"${field}" is ${value}, smaller than the 1e-130 DynamoDB can store` };
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (const [i, element] of value.entries()) {
      const problem = valueProblem(element, `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const [name, element] of Object.entries(value as Record<string, unknown>)) {
      const at = path === '' ? name : `${path}.${name}`;
      if (path === '' && (name === '' || Buffer.byteLength(name) > MAX_NAME_BYTES)) {
        return {
          field: name.slice(0, 40),
          reason: `an attribute name of ${Buffer.byteLength(name)} bytes (DynamoDB takes 1 to ${MAX_NAME_BYTES})`,
        };
      }
      const problem = valueProblem(element, at, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Refuses an item its reader cannot use (readers call this before decoding).
 * @throws StoreError ITEM_INVALID naming the item and the field
 */
export function assertItem(item: StoredItem): void {
  const problem = checkItem(item);
  if (problem) throw new StoreError('ITEM_INVALID', `item ${itemName(item)}: ${problem.reason}`);
}

/**
 * An item's size as DynamoDB counts it (developer guide, "Item sizes"): each attribute's name in UTF-8
 * bytes plus its value — a string's UTF-8 bytes, a number's significant digits (two a byte) plus one, 1
 * for a boolean or null, a list or map 3 plus one per element plus the elements (and, in a map, the names).
 */
export function dynamoItemSize(item: StoredItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'object') {
    let size = 3;
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      size += 1 + Buffer.byteLength(name) + valueSize(v);
    }
    return size;
  }
  return Buffer.byteLength(String(value));
}

function numberSize(value: number): number {
  const digits = Math.abs(value).toExponential().replace(/e.*$/, '').replace(/[.-]/g, '').replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(1, digits.length) / 2) + (value < 0 ? 1 : 0);
}
