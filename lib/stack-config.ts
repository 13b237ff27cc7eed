/**
 * The stack's settings, read from CDK context (`cdk.json` or `-c key=value`) through the settings table
 * (lambdas/settings/), with errors that name the context key, the value given and what is accepted.
 * Only the checks across settings live here.
 */
import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { WatchConfig } from '../lambdas/core/watch-config';
import { type PlainValues, plainValues, readDeployed } from '../lambdas/settings/deployed';
import { readWatchConfig } from '../lambdas/settings/groups';
import { contextReader, refuse } from '../lambdas/settings/read';
import { SETTINGS } from '../lambdas/settings/table';

/** Context keys the stack reads: the settings that have a context spelling. */
export const CONTEXT_KEYS: readonly string[] = Object.values(SETTINGS).flatMap((s) =>
  'context' in s && s.context ? [s.context] : [],
);

/** One context key. */
export type ContextKey = string;

/** How the function reaches the targets. */
export type EgressMode = 'none' | 'vpc';

/**
 * Validated settings of the stack. The settings it ships to the function (`probeTimeoutMs`, `keyTypes`,
 * `trust`, `addressFamilies`, `dns`, `postureRequire`, `heartbeat`, ...: lambdas/settings/deployed.ts)
 * are typed from the table, in the form the watcher's properties take, so the stack passes them on as
 * they are.
 */
export interface StackConfig extends PlainValues<'function'> {
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
  /** Time between TLS posture cycles, or `off`. */
  posture: Duration | 'off';
}

/**
 * Reads context `targetsFile`: one target per line, `#` comments; parsed by the targets setting, so a bad
 * line is refused like a bad `-c targets=` value.
 */
function readTargetsFile(path: string, get: (key: ContextKey) => unknown): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw refuse(
      SETTINGS.targetsFile,
      { source: 'context', spelling: 'targetsFile' },
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const read = contextReader((key) => (key === 'targets' ? lines.join(',') : get(key)));
  return read(SETTINGS.targets).map((t) => t.url);
}

/**
 * Validates raw context values (strings from `-c`, or JSON values from cdk.json) into a configuration.
 * @param get returns the raw context value of a key, or undefined
 * @throws ConfigError naming the first key at fault
 */
export function parseStackConfig(get: (key: ContextKey) => unknown): StackConfig {
  const read = contextReader(get, { stack: true });
  const targetsFile = read(SETTINGS.targetsFile);
  if (targetsFile !== undefined && get('targets') !== undefined) {
    throw refuse(
      SETTINGS.targetsFile,
      { source: 'context', spelling: 'targetsFile' },
      'give targets or targetsFile, not both',
    );
  }
  const targets =
    targetsFile === undefined ? read(SETTINGS.targets).map((t) => t.url) : readTargetsFile(targetsFile, get);
  const vpcId = read(SETTINGS.vpcId);
  const egress = read(SETTINGS.egress);
  if (vpcId !== undefined && get('egress') !== undefined && egress === 'none') {
    throw refuse(
      SETTINGS.vpcId,
      { source: 'context', spelling: 'vpcId' },
      'runs the function in that VPC: it cannot be combined with egress=none',
    );
  }
  const posture = read(SETTINGS.posture);
  return {
    targets,
    posture: posture === 'off' ? 'off' : Duration.minutes(posture),
    schedule: Duration.minutes(read(SETTINGS.schedule)),
    watch: readWatchConfig(read),
    alertEmails: read(SETTINGS.alertEmail),
    egress: vpcId !== undefined ? 'vpc' : egress,
    ...(vpcId !== undefined ? { vpcId } : {}),
    logRetention: read(SETTINGS.logRetentionDays) as RetentionDays,
    ...plainValues(readDeployed('function', read)),
  };
}
