/**
 * The stack's settings, read from CDK context (`cdk.json` or `-c key=value`) and validated once, with
 * errors that name the context key, the value given and what is accepted.
 */
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CoreError } from '../lambdas/core/errors';
import { KEY_TYPES, type KeyType } from '../lambdas/core/observation';
import { PostureError } from '../lambdas/core/posture/errors';
import { parsePolicy } from '../lambdas/core/posture/policy';
import { DEFAULT_PROBE_OPTIONS } from '../lambdas/core/probe-options';
import { DEFAULT_TARGET_URLS, parseTargets, type Target } from '../lambdas/core/targets';
import { resolveWatchConfig, type WatchConfig, WatchConfigError } from '../lambdas/core/watch-config';

/** Context keys the stack reads. */
export const CONTEXT_KEYS = [
  'targets',
  'schedule',
  'alertEmail',
  'egress',
  'vpcId',
  'expiryThresholdsDays',
  'staleAfterCycles',
  'staleAfterHours',
  /** Replaced by staleAfterCycles/staleAfterHours: read only to fail with the new names. */
  'retireAfterCycles',
  'failingAfter',
  'rotationOverdueShare',
  'logRetentionDays',
  'probeTimeoutMs',
  'keyTypes',
  'trust',
  'posture',
  'postureRequire',
  'heartbeat',
  'addressFamilies',
] as const;

/** One context key. */
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** How the function reaches the targets. */
export type EgressMode = 'none' | 'vpc';

/** Validated settings of the stack. */
export interface StackConfig {
  /** Canonical target URLs, before egress filtering. */
  targets: string[];
  /** How often a cycle runs: the `rate(...)` of the schedule. */
  schedule: Duration;
  watch: WatchConfig;
  alertEmails: string[];
  egress: EgressMode;
  /** An existing VPC to run in (implies egress `vpc`). */
  vpcId?: string;
  logRetention: RetentionDays;
  probeTimeoutMs: number;
  keyTypes: KeyType[];
  trust: 'node' | 'google';
  /** Time between TLS posture cycles, or `off`. */
  posture: Duration | 'off';
  /** Posture rules as written (validated). */
  postureRequire: string[];
  heartbeat: 'weekly' | 'off';
  /** IP versions probed: `[4]` by default (Lambda has no IPv6 route outside a dual-stack VPC). */
  addressFamilies: (4 | 6)[];
}

/** Defaults of every setting (documented in docs/deploy.md). */
export const STACK_DEFAULTS = Object.freeze({
  targets: DEFAULT_TARGET_URLS,
  schedule: 'rate(15 minutes)',
  egress: 'none' as EgressMode,
  logRetentionDays: 90,
  probeTimeoutMs: DEFAULT_PROBE_OPTIONS.timeoutMs,
  keyTypes: DEFAULT_PROBE_OPTIONS.keyTypes,
  trust: 'node' as const,
  posture: 'rate(1 day)',
  heartbeat: 'off' as const,
  addressFamilies: '4',
});

/** Schedule bounds: cycles faster than this gain nothing; slower ones break the alarm's 1-day window. */
export const SCHEDULE_BOUNDS = Object.freeze({ minMinutes: 5, maxMinutes: 12 * 60 });

/** Stable codes of configuration errors. */
export type StackConfigErrorCode = 'CONTEXT_INVALID';

/** A setting of the stack or the watcher construct that cannot be used. */
export class StackConfigError extends Error {
  readonly code: StackConfigErrorCode = 'CONTEXT_INVALID';
  /** The context key (or construct property) at fault. */
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackConfigError';
    this.key = key;
  }
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[A-Za-z]{2,}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;

/**
 * Validates raw context values (strings from `-c`, or JSON values from cdk.json) into a configuration.
 * @param get returns the raw context value of a key, or undefined
 * @throws StackConfigError naming the first key at fault
 */
export function parseStackConfig(get: (key: ContextKey) => unknown): StackConfig {
  const targetsRaw = list('targets', get('targets'));
  if (targetsRaw && targetsRaw.length === 0) fail('targets', 'targets must list at least one smtp:// or smtps:// URL');
  const targets = guard('targets', () => parseTargets(targetsRaw ?? STACK_DEFAULTS.targets).map((t) => t.url));

  const vpcId = text('vpcId', get('vpcId'));
  if (vpcId !== undefined && !VPC_ID.test(vpcId)) {
    fail('vpcId', `vpcId "${vpcId}" is not a VPC id (vpc- followed by 8 or 17 hex digits)`);
  }
  const egressRaw = text('egress', get('egress'));
  if (egressRaw !== undefined && egressRaw !== 'none' && egressRaw !== 'vpc') {
    fail('egress', `egress "${egressRaw}" must be "none" (no VPC: port-25 targets are left out) or "vpc"`);
  }
  if (vpcId !== undefined && egressRaw === 'none') {
    fail('vpcId', 'vpcId runs the function in that VPC: it cannot be combined with egress=none');
  }
  const egress: EgressMode =
    vpcId !== undefined ? 'vpc' : ((egressRaw as EgressMode | undefined) ?? STACK_DEFAULTS.egress);

  const alertEmails = list('alertEmail', get('alertEmail')) ?? [];
  for (const email of alertEmails) {
    if (!EMAIL.test(email)) fail('alertEmail', `alertEmail "${email}" is not an e-mail address`);
  }

  const keyTypes = (list('keyTypes', get('keyTypes')) ?? [...STACK_DEFAULTS.keyTypes]).map((k) => k.toLowerCase());
  if (keyTypes.length === 0) fail('keyTypes', `keyTypes must list at least one of ${KEY_TYPES.join(', ')}`);
  for (const keyType of keyTypes) {
    if (!KEY_TYPES.includes(keyType as KeyType)) {
      fail('keyTypes', `keyTypes: "${keyType}" is not one of ${KEY_TYPES.join(', ')}`);
    }
  }

  const trust = text('trust', get('trust')) ?? STACK_DEFAULTS.trust;
  if (trust !== 'node' && trust !== 'google') {
    fail('trust', `trust "${trust}" must be "node" (Node's bundled roots) or "google" (the pki.goog bundle)`);
  }

  const retention = num('logRetentionDays', get('logRetentionDays')) ?? STACK_DEFAULTS.logRetentionDays;
  const allowedRetention = Object.values(RetentionDays).filter(
    (v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE,
  );
  if (!allowedRetention.includes(retention)) {
    fail('logRetentionDays', `logRetentionDays ${retention} must be one of ${allowedRetention.join(', ')}`);
  }

  const probeTimeoutMs = num('probeTimeoutMs', get('probeTimeoutMs')) ?? STACK_DEFAULTS.probeTimeoutMs;
  if (!Number.isInteger(probeTimeoutMs) || probeTimeoutMs < 1000 || probeTimeoutMs > 60_000) {
    fail(
      'probeTimeoutMs',
      `probeTimeoutMs ${probeTimeoutMs} must be a whole number of milliseconds from 1000 to 60000`,
    );
  }

  const postureRaw = text('posture', get('posture')) ?? STACK_DEFAULTS.posture;
  const posture = postureRaw === 'off' ? ('off' as const) : parsePostureSchedule(postureRaw);
  const postureRequire = list('postureRequire', get('postureRequire')) ?? [];
  try {
    if (postureRequire.length > 0) parsePolicy(postureRequire);
  } catch (error) {
    if (!(error instanceof PostureError)) throw error;
    fail('postureRequire', `postureRequire: ${error.message}`);
  }
  const heartbeat = text('heartbeat', get('heartbeat')) ?? STACK_DEFAULTS.heartbeat;
  if (heartbeat !== 'off' && heartbeat !== 'weekly') {
    fail('heartbeat', `heartbeat "${heartbeat}" must be "weekly" or "off"`);
  }

  const families = list('addressFamilies', get('addressFamilies')) ?? [STACK_DEFAULTS.addressFamilies];
  for (const family of families) {
    if (family !== '4' && family !== '6') {
      fail('addressFamilies', `addressFamilies: "${family}" is not 4 or 6 (e.g. 4, or 4,6 in a dual-stack VPC)`);
    }
  }

  return {
    targets,
    addressFamilies: [...new Set(families.map(Number))] as (4 | 6)[],
    posture,
    postureRequire,
    heartbeat,
    schedule: parseSchedule(text('schedule', get('schedule')) ?? STACK_DEFAULTS.schedule),
    watch: parseWatch(get),
    alertEmails: [...new Set(alertEmails)],
    egress,
    ...(vpcId !== undefined ? { vpcId } : {}),
    logRetention: retention as RetentionDays,
    probeTimeoutMs,
    keyTypes: [...new Set(keyTypes)] as KeyType[],
    trust,
  };
}

/**
 * Parses a schedule: `rate(N minutes|hours|days)` between 5 minutes and 12 hours.
 * Cron expressions are refused: the "no successful cycle in 2 periods" alarm needs a fixed period.
 */
export function parseSchedule(expression: string): Duration {
  const match = RATE.exec(expression.trim());
  if (!match) {
    fail(
      'schedule',
      `schedule "${expression}" must be rate(N minutes), rate(N hours) or rate(N days), e.g. rate(15 minutes) ` +
        '(cron is not supported: the "no successful cycle" alarm needs a fixed period)',
    );
  }
  const amount = Number(match[1]);
  const unit = match[2].toLowerCase().replace(/s$/, '');
  const minutes = amount * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
  if (minutes < SCHEDULE_BOUNDS.minMinutes || minutes > SCHEDULE_BOUNDS.maxMinutes) {
    fail('schedule', `schedule "${expression}" must be from rate(5 minutes) to rate(12 hours)`);
  }
  return Duration.minutes(minutes);
}

/** The posture schedule: `rate(N hours|days)` from 1 hour to 7 days (or `off`, handled by the caller). */
export function parsePostureSchedule(expression: string): Duration {
  const match = RATE.exec(expression.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = match ? match[2].toLowerCase().replace(/s$/, '') : '';
  const minutes = amount * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
  if (!match || !(minutes >= 60 && minutes <= 7 * 1440)) {
    fail('posture', `posture "${expression}" must be "off" or rate(N hours|days) from rate(1 hour) to rate(7 days)`);
  }
  return Duration.minutes(minutes);
}

function parseWatch(get: (key: ContextKey) => unknown): WatchConfig {
  const thresholds = list('expiryThresholdsDays', get('expiryThresholdsDays'));
  const days = thresholds?.map((d) => {
    const value = Number(d);
    if (d.trim() === '' || !Number.isFinite(value)) {
      fail('expiryThresholdsDays', `expiryThresholdsDays: "${d}" is not a number of days (e.g. 21,14,7,3,1)`);
    }
    return value;
  });
  if (get('retireAfterCycles') !== undefined) {
    fail(
      'retireAfterCycles',
      'retireAfterCycles was replaced by staleAfterCycles (default 3) and staleAfterHours (default 48): a leaf ' +
        'retires once every address that served it has moved on or gone unobserved that long',
    );
  }
  try {
    return validWatchConfig({
      expiryThresholdsDays: days,
      staleAfterCycles: num('staleAfterCycles', get('staleAfterCycles')),
      staleAfterHours: num('staleAfterHours', get('staleAfterHours')),
      failingAfter: num('failingAfter', get('failingAfter')),
      rotationOverdueShare: num('rotationOverdueShare', get('rotationOverdueShare')),
    });
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    throw new StackConfigError(error.key, `context "${error.key}": ${error.message}`, { cause: error });
  }
}

function fail(key: string, message: string): never {
  throw new StackConfigError(key, `context "${key}": ${message}`);
}

function guard<T>(key: ContextKey, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CoreError) fail(key, error.message);
    throw error;
  }
}

function text(key: ContextKey, raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') fail(key, `expected a string, got ${JSON.stringify(raw)}`);
  const value = raw.trim();
  return value === '' ? undefined : value;
}

function num(key: ContextKey, raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(value)) fail(key, `${JSON.stringify(raw)} is not a number`);
  return value;
}

/** A list from a JSON array (cdk.json), a JSON array string, or a comma/space separated string (`-c`). */
function list(key: ContextKey, raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  let value = raw;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new StackConfigError(key, `context "${key}": ${value} is not a JSON array`, { cause });
    }
  }
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (typeof item !== 'string' && typeof item !== 'number') {
        fail(key, `list items must be strings or numbers, got ${JSON.stringify(item)}`);
      }
      return String(item).trim();
    });
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return String(value)
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  fail(key, `expected a list, got ${JSON.stringify(raw)}`);
}

/** Parses target URLs for the watcher construct. @throws StackConfigError */
export function validTargets(urls: readonly string[]): Target[] {
  if (urls.length === 0) throw new StackConfigError('targets', 'targets must list at least one URL');
  try {
    return parseTargets(urls);
  } catch (error) {
    if (error instanceof CoreError) throw new StackConfigError('targets', error.message, { cause: error });
    throw error;
  }
}

/** Resolves watch thresholds over the defaults for the watcher construct. @throws StackConfigError */
export function validWatchConfig(input: Partial<WatchConfig> | undefined): WatchConfig {
  try {
    return resolveWatchConfig(input);
  } catch (error) {
    if (error instanceof WatchConfigError) throw new StackConfigError(error.setting, error.message, { cause: error });
    throw error;
  }
}
