/**
 * Adapters the commands build from their options; a configuration mistake keeps its error, named by
 * the option (exit code 2 by lambdas/cli/program.ts).
 */
import type { WatchConfig } from '../core/watch-config';
import type { SnsPublisher } from '../notify/sns-publisher';
import { readWatchConfig } from '../settings/groups';
import { withContext } from './cli-io';
import { cliEnv } from './cli-settings';

/** The SNS publisher of `--topic-arn` (the SNS client loads only here: see program.ts on start time). */
export async function snsPublisherFor(topicArn: string): Promise<SnsPublisher> {
  const { SnsPublisher } = await import('../notify/sns-publisher.js');
  try {
    return new SnsPublisher({ topicArn });
  } catch (error) {
    throw withContext(error, '--topic-arn: ');
  }
}

/**
 * Watch thresholds from the `CERTWATCH_*` environment (the same variables the Lambda reads).
 * @throws ConfigError naming the variable
 */
export function watchConfigFromCliEnv(env: NodeJS.ProcessEnv = process.env): WatchConfig {
  return readWatchConfig(cliEnv(env));
}
