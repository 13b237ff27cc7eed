/**
 * The watch handler's contract with its stack: the environment variables it reads, the metric names it
 * emits (the stack's alarms and dashboard use the same ones), and the parsing of that environment,
 * done once at module init. Pure: no AWS SDK, no I/O.
 */
import { parseEhloName } from '../core/ehlo-name';
import { CoreError } from '../core/errors';
import { KEY_TYPES, type KeyType } from '../core/observation';
import { PostureError } from '../core/posture/errors';
import { type PolicyRule, parsePolicy } from '../core/posture/policy';
import { type AddressFamily, DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../core/probe-options';
import { parseResolve, parseTargets, type Target } from '../core/targets';
import { WATCH_CONFIG_ENV, type WatchConfig, WatchConfigError, watchConfigFromEnv } from '../core/watch-config';
import { pemToDerList } from '../core/x509/pem';

/** Environment variables of the watch function. The stack sets the first group; the rest are for tests. */
export const HANDLER_ENV = {
  tableName: 'CERTWATCH_TABLE_NAME',
  topicArn: 'CERTWATCH_TOPIC_ARN',
  /** Comma-separated target URLs (contract form: `smtp://host:port`, `smtps://host:port`). */
  targets: 'CERTWATCH_TARGETS',
  /** Comma-separated key types, e.g. `rsa,ecdsa`. */
  keyTypes: 'CERTWATCH_KEY_TYPES',
  probeTimeoutMs: 'CERTWATCH_PROBE_TIMEOUT_MS',
  concurrency: 'CERTWATCH_CONCURRENCY',
  /** `node` (default) or `google`. */
  trust: 'CERTWATCH_TRUST',
  /** Address families to probe: `4`, `6` or `4,6` (default `4,6`). */
  addressFamilies: 'CERTWATCH_ADDRESS_FAMILIES',
  /** `true` where outbound port 25 is blocked (a function outside a VPC): timeouts there become EGRESS_BLOCKED. */
  port25Blocked: 'CERTWATCH_PORT25_BLOCKED',
  /** Posture rules whose violation is a critical notice, e.g. `min-version=TLS1.2,no-3des` (empty = none). */
  postureRequire: 'CERTWATCH_POSTURE_REQUIRE',
  /** Test and special setups: a DynamoDB-compatible endpoint such as the embedded dynalite. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** PEM bundle of extra trust anchors, added to the chosen set (tests use their generated roots). */
  extraCaPem: 'CERTWATCH_EXTRA_CA_PEM',
  /** Space-separated curl-style pins `host:port:addr[,addr...]` (tests point names at loopback). */
  resolve: 'CERTWATCH_RESOLVE',
  /** Name sent in EHLO (default: the machine's FQDN or address literal). */
  ehloName: 'CERTWATCH_EHLO_NAME',
  ...WATCH_CONFIG_ENV,
} as const;

/** CloudWatch names of the handler's metrics (Powertools Metrics, EMF). */
export const WATCH_METRICS = {
  namespace: 'Certwatch',
  /** Powertools adds `service` as a dimension of every metric. */
  service: 'certwatch',
  /** Days until the earliest-expiring leaf served at a target for a key type; dimensions target, keyType. */
  daysToExpiry: 'DaysToExpiry',
  /** Failed probes of a cycle (a missing key type is not a failure). */
  probeFailures: 'ProbeFailures',
  /** Notices detected by a cycle; dimension type. */
  notices: 'Notices',
  /** Notices the outbox could not publish this cycle (they stay pending and are retried). */
  publishFailures: 'PublishFailures',
  /** 1 per cycle that ran to the end; the "no successful cycle" alarm watches it. */
  cycleSucceeded: 'CycleSucceeded',
} as const;

/** Everything the handler needs, read once. */
export interface HandlerConfig {
  tableName: string;
  topicArn: string;
  targets: Target[];
  probeOptions: ProbeOptions;
  watch: WatchConfig;
  /** Rules judged by the posture cycle. */
  postureRules: PolicyRule[];
  dynamodbEndpoint?: string;
}

/** Stable codes of handler configuration errors. */
export type HandlerConfigErrorCode = 'HANDLER_CONFIG_INVALID';

/** The function's environment cannot be used; the message names the variable and what it accepts. */
export class HandlerConfigError extends Error {
  readonly code: HandlerConfigErrorCode = 'HANDLER_CONFIG_INVALID';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandlerConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the handler's environment.
 * @throws HandlerConfigError naming the first variable at fault.
 */
export function readHandlerConfig(env: Env): HandlerConfig {
  const tableName = required(env, HANDLER_ENV.tableName);
  const topicArn = required(env, HANDLER_ENV.topicArn);
  const rawTargets = list(env[HANDLER_ENV.targets]);
  if (rawTargets.length === 0) {
    throw new HandlerConfigError(HANDLER_ENV.targets, `${HANDLER_ENV.targets} must list at least one target URL`);
  }
  const targets = wrapCore(HANDLER_ENV.targets, () => parseTargets(rawTargets));
  const probeOptions: ProbeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: keyTypes(env[HANDLER_ENV.keyTypes]),
    timeoutMs: integer(env, HANDLER_ENV.probeTimeoutMs, DEFAULT_PROBE_OPTIONS.timeoutMs, 100, 300_000),
    concurrency: integer(env, HANDLER_ENV.concurrency, DEFAULT_PROBE_OPTIONS.concurrency, 1, 1024),
    trust: trust(env[HANDLER_ENV.trust]),
    addressFamilies: addressFamilies(env[HANDLER_ENV.addressFamilies]),
    port25Blocked: flag(env, HANDLER_ENV.port25Blocked),
    resolve: wrapCore(HANDLER_ENV.resolve, () => list(env[HANDLER_ENV.resolve], /\s+/).map(parseResolve)),
  };
  const ehloName = env[HANDLER_ENV.ehloName]?.trim();
  if (ehloName) probeOptions.ehloName = parseEhloName(ehloName);
  const pem = env[HANDLER_ENV.extraCaPem];
  if (pem?.trim()) {
    const ders = wrapCore(HANDLER_ENV.extraCaPem, () => pemToDerList(pem));
    if (ders.length === 0) {
      throw new HandlerConfigError(HANDLER_ENV.extraCaPem, `${HANDLER_ENV.extraCaPem} holds no PEM certificate`);
    }
    probeOptions.extraAnchorsDer = ders;
  }
  let watch: WatchConfig;
  try {
    watch = watchConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof WatchConfigError)) throw error;
    const variable = WATCH_CONFIG_ENV[error.setting as keyof typeof WATCH_CONFIG_ENV] ?? error.setting;
    throw new HandlerConfigError(variable, error.message, { cause: error });
  }
  const postureRules = policyRules(env[HANDLER_ENV.postureRequire]);
  const endpoint = env[HANDLER_ENV.dynamodbEndpoint]?.trim();
  return {
    tableName,
    topicArn,
    targets,
    probeOptions,
    watch,
    postureRules,
    ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
  };
}

function policyRules(raw: string | undefined): PolicyRule[] {
  try {
    const rules = list(raw);
    return rules.length === 0 ? [] : parsePolicy(rules);
  } catch (error) {
    if (!(error instanceof PostureError)) throw error;
    throw new HandlerConfigError(HANDLER_ENV.postureRequire, `${HANDLER_ENV.postureRequire}: ${error.message}`, {
      cause: error,
    });
  }
}

function addressFamilies(raw: string | undefined): AddressFamily[] {
  const values = list(raw);
  if (values.length === 0) return [4, 6];
  for (const value of values) {
    if (value !== '4' && value !== '6') {
      throw new HandlerConfigError(
        HANDLER_ENV.addressFamilies,
        `${HANDLER_ENV.addressFamilies}: "${value}" is not 4 or 6`,
      );
    }
  }
  return [...new Set(values.map(Number))] as AddressFamily[];
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new HandlerConfigError(name, `${name} is not set`);
  return value;
}

function list(raw: string | undefined, separator: RegExp = /[\s,]+/): string[] {
  return (raw ?? '')
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

function keyTypes(raw: string | undefined): KeyType[] {
  const values = list(raw).map((k) => k.toLowerCase());
  if (values.length === 0) return [...DEFAULT_PROBE_OPTIONS.keyTypes];
  for (const value of values) {
    if (!KEY_TYPES.includes(value as KeyType)) {
      throw new HandlerConfigError(
        HANDLER_ENV.keyTypes,
        `${HANDLER_ENV.keyTypes}: "${value}" is not one of ${KEY_TYPES.join(', ')}`,
      );
    }
  }
  return [...new Set(values)] as KeyType[];
}

function trust(raw: string | undefined): 'node' | 'google' {
  const value = raw?.trim() || 'node';
  if (value !== 'node' && value !== 'google') {
    throw new HandlerConfigError(HANDLER_ENV.trust, `${HANDLER_ENV.trust}="${value}" must be node or google`);
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HandlerConfigError(name, `${name}="${raw}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new HandlerConfigError(name, `${name}="${env[name]}" must be true or false`);
}

function wrapCore<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CoreError) {
      throw new HandlerConfigError(variable, `${variable}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
