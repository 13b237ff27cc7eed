/**
 * Adapters the commands build from their options, with configuration mistakes turned into
 * UsageErrors (exit code 2) in one place.
 */
import { CoreError } from '../core/errors';
import { type WatchConfig, WatchConfigError, watchConfigFromEnv } from '../core/watch-config';
import { NotifyError } from '../notify/errors';
import { SnsPublisher } from '../notify/sns-publisher';
import { UsageError } from './cli-io';

/** The SNS publisher of `--topic-arn`. */
export function snsPublisherFor(topicArn: string): SnsPublisher {
  try {
    return new SnsPublisher({ topicArn });
  } catch (error) {
    if (error instanceof NotifyError || error instanceof CoreError) {
      throw new UsageError(`--topic-arn: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Watch thresholds from the `CERTWATCH_*` environment (the same variables the Lambda reads). */
export function watchConfigFromCliEnv(env: NodeJS.ProcessEnv = process.env): WatchConfig {
  try {
    return watchConfigFromEnv(env);
  } catch (error) {
    if (error instanceof WatchConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
