/**
 * Adapters the commands build from their options, with configuration mistakes turned into
 * UsageErrors (exit code 2) in one place.
 */
import { CoreError } from '../core/errors';
import type { WatchConfig } from '../core/watch-config';
import { NotifyError } from '../notify/errors';
import type { SnsPublisher } from '../notify/sns-publisher';
import { readWatchConfig } from '../settings/groups';
import { UsageError } from './cli-io';
import { cliEnv } from './cli-settings';

/** The SNS publisher of `--topic-arn` (the SNS client loads only here: see program.ts on start time). */
export async function snsPublisherFor(topicArn: string): Promise<SnsPublisher> {
  const { SnsPublisher } = await import('../notify/sns-publisher.js');
  try {
    return new SnsPublisher({ topicArn });
  } catch (error) {
    if (error instanceof NotifyError || error instanceof CoreError) {
      throw new UsageError(`--topic-arn: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Watch thresholds from the `CERTWATCH_*` environment (the same variables the Lambda reads).
 * @throws UsageError naming the variable
 */
export function watchConfigFromCliEnv(env: NodeJS.ProcessEnv = process.env): WatchConfig {
  return readWatchConfig(cliEnv(env));
}
