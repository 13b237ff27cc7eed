/**
 * The watch handler's configuration, read once at module init from the environment the stack sets
 * (lambdas/contract/function-env.ts writes it from the settings table; the table parses it back). Pure:
 * no AWS SDK, no I/O.
 */
import type { PolicyRule } from '../core/posture/policy';
import type { ProbeOptions } from '../core/probe-options';
import { revocationOptions } from '../core/revocation/model';
import type { Target } from '../core/targets';
import type { WatchConfig } from '../core/watch-config';
import { type DeployedValues, readDeployed } from '../settings/deployed';
import { readProbeOptions, readWatchConfig } from '../settings/groups';
import { envReader, required } from '../settings/read';
import { SETTINGS } from '../settings/table';

/** Everything the handler needs, read once. */
export interface HandlerConfig {
  tableName: string;
  topicArn: string;
  targets: Target[];
  probeOptions: ProbeOptions;
  watch: WatchConfig;
  /** Rules judged by the posture cycle. */
  postureRules: PolicyRule[];
  heartbeat: 'weekly' | 'off';
  dynamodbEndpoint?: string;
  /** SHA-256 of the consumer policy shipped beside the handler, when the stack ships one. */
  policySha256?: string;
  /** Every setting the stack ships to the function (`deploy: 'function'` in the table), by name. */
  deployed: DeployedValues<'function'>;
}

/**
 * Reads and validates the handler's environment.
 * @throws ConfigError naming the first variable at fault.
 */
export function readHandlerConfig(env: Readonly<Record<string, string | undefined>>): HandlerConfig {
  const read = envReader(env);
  const dynamodbEndpoint = read(SETTINGS.dynamodbEndpoint);
  const policySha256 = read(SETTINGS.policySha256);
  const tableName = required(read, SETTINGS.tableName, 'env');
  const topicArn = required(read, SETTINGS.topicArn, 'env');
  const targets = read(SETTINGS.targets);
  const probeOptions = readProbeOptions(read);
  const watch = readWatchConfig(read);
  const deployed = readDeployed('function', read);
  const revocation = revocationOptions(deployed.revocation, deployed.revocationMaxBytes);
  if (revocation) probeOptions.revocation = revocation;
  return {
    tableName,
    topicArn,
    targets,
    probeOptions,
    watch,
    postureRules: deployed.postureRequire,
    heartbeat: deployed.heartbeat,
    ...(dynamodbEndpoint !== undefined ? { dynamodbEndpoint } : {}),
    ...(policySha256 !== undefined ? { policySha256 } : {}),
    deployed,
  };
}
