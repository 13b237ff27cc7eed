/**
 * Strict reading of a consumer policy document (already decoded from JSON or YAML): every entry is
 * checked and an error names the entry (`policy 2, pins[1] "…": …`). Pure: a `ca` path is read through
 * the caller's `readFile` (relative to the policy file); inline PEM needs none (the Lambda's form).
 */
import { CoreError } from '../errors';
import { parseTarget } from '../targets';
import { TrustStore } from '../x509/trust-store';
import type { ConsumerPolicy, PolicySet, TlsaRecord } from './model';
import { parsePin } from './pins';
import { parseTlsa } from './tlsa';

/** How {@link parsePolicyDocument} reads what the document refers to. */
export interface PolicyParseOptions {
  /** Names the document in messages (file name, `context`). */
  source: string;
  /** Reads a `ca` file named relative to the policy file; absent = only inline PEM is allowed. */
  readFile?: (path: string) => string;
}

const POLICY_KEYS = new Set(['name', 'targets', 'pins', 'ca', 'tlsa', 'mtaSts']);
const DOMAIN = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)+$/;

function invalid(message: string, cause?: unknown): CoreError {
  return new CoreError('POLICY_INVALID', message, { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(`${where}: expected a non-empty list`);
  return value.map((item, i) => {
    if (typeof item !== 'string') throw invalid(`${where}[${i}]: expected a string`);
    return item;
  });
}

function canonicalTarget(raw: string, where: string): string {
  const text = raw.trim();
  if (text === '*') return '*';
  if (/^mx:/i.test(text)) {
    const domain = text.slice(3).toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(domain)) throw invalid(`${where} "${raw}": "${domain}" is not a domain name`);
    return `mx:${domain}`;
  }
  if (!text.includes('://'))
    throw invalid(`${where} "${raw}": expected a target URL (smtp://host:port), mx:DOMAIN or *`);
  try {
    return parseTarget(text).url;
  } catch (error) {
    throw invalid(`${where}: ${(error as Error).message}`, error);
  }
}

function readCa(value: unknown, where: string, options: PolicyParseOptions): { source: string; pem: string } {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${where}: expected a PEM file name or PEM text`);
  let pem: string;
  let source: string;
  if (value.includes('-----BEGIN')) {
    pem = value;
    source = `${where} (inline PEM)`;
  } else {
    if (!options.readFile) throw invalid(`${where} "${value}": a file name means nothing here; give the PEM text`);
    try {
      pem = options.readFile(value);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw invalid(`${where} "${value}": cannot read (${code})`, error);
    }
    source = value;
  }
  try {
    TrustStore.fromPem(pem, source).certificates();
  } catch (error) {
    throw invalid(`${where}: ${(error as Error).message}`, error);
  }
  return { source, pem };
}

function parsePolicy(value: unknown, index: number, options: PolicyParseOptions): ConsumerPolicy {
  const at = `${options.source}: policy ${index}`;
  if (!isRecord(value)) throw invalid(`${at}: expected an object with "targets" and rules`);
  for (const key of Object.keys(value)) {
    if (!POLICY_KEYS.has(key)) {
      throw invalid(`${at}: unknown key "${key}" (expected ${[...POLICY_KEYS].join(', ')})`);
    }
  }
  const policy: ConsumerPolicy = {
    index,
    targets: [
      ...new Set(strings(value.targets, `${at}, targets`).map((t, i) => canonicalTarget(t, `${at}, targets[${i}]`))),
    ],
  };
  if (value.name !== undefined) {
    if (typeof value.name !== 'string') throw invalid(`${at}, name: expected a string`);
    policy.name = value.name;
  }
  if (value.pins !== undefined) {
    policy.pins = strings(value.pins, `${at}, pins`).map((text, i) => {
      const pin = parsePin(text);
      if (typeof pin === 'string') throw invalid(`${at}, pins[${i}] "${text}": ${pin}`);
      return pin;
    });
  }
  if (value.ca !== undefined) policy.ca = readCa(value.ca, `${at}, ca`, options);
  if (value.tlsa !== undefined) {
    if (value.tlsa === 'dns') policy.tlsa = 'dns';
    else {
      policy.tlsa = strings(value.tlsa, `${at}, tlsa`).map((text, i): TlsaRecord => {
        const record = parseTlsa(text);
        if (typeof record === 'string') throw invalid(`${at}, tlsa[${i}] "${text}": ${record}`);
        return record;
      });
    }
  }
  if (value.mtaSts !== undefined) {
    const domain = typeof value.mtaSts === 'string' ? value.mtaSts.toLowerCase().replace(/\.$/, '') : '';
    if (!DOMAIN.test(domain)) throw invalid(`${at}, mtaSts: expected a domain name`);
    policy.mtaSts = domain;
  }
  if (!policy.pins && !policy.ca && !policy.tlsa && !policy.mtaSts) {
    throw invalid(`${at}: no rule (expected at least one of pins, ca, tlsa, mtaSts)`);
  }
  return policy;
}

/**
 * Reads a decoded policy document `{ "policies": [...] }`.
 * @throws CoreError POLICY_INVALID naming the first bad entry.
 */
export function parsePolicyDocument(document: unknown, options: PolicyParseOptions): PolicySet {
  if (!isRecord(document) || !Array.isArray(document.policies)) {
    throw invalid(`${options.source}: expected an object with a "policies" list`);
  }
  for (const key of Object.keys(document)) {
    if (key !== 'policies') throw invalid(`${options.source}: unknown top-level key "${key}" (expected policies)`);
  }
  if (document.policies.length === 0) throw invalid(`${options.source}: "policies" is empty`);
  return {
    source: options.source,
    policies: document.policies.map((p, i) => parsePolicy(p, i + 1, options)),
  };
}

/**
 * The portable form of a policy set: `ca` as PEM text, so that it means the same inside the Lambda
 * (CDK context, handler settings). {@link parsePolicyDocument} reads it back.
 */
export function portablePolicyDocument(set: PolicySet): { policies: Record<string, unknown>[] } {
  return {
    policies: set.policies.map((p) => ({
      ...(p.name !== undefined ? { name: p.name } : {}),
      targets: p.targets,
      ...(p.pins ? { pins: p.pins.map((pin) => pin.text) } : {}),
      ...(p.ca ? { ca: p.ca.pem } : {}),
      ...(p.tlsa
        ? {
            tlsa: p.tlsa === 'dns' ? 'dns' : p.tlsa.map((r) => `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`),
          }
        : {}),
      ...(p.mtaSts ? { mtaSts: p.mtaSts } : {}),
    })),
  };
}
