/**
 * The scheduled Lambda entry point: one watch cycle per invocation, the same cycle `certwatch check` runs.
 * Configuration and adapters are built once per execution environment (module init), not per call.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { SnsPublisher } from '../notify/sns-publisher';
import { SmtpProber } from '../probe/prober';
import { DynamoHistoryStore } from '../store/dynamo-history-store';
import { type CycleSummary, runWatchCycle } from './cycle';
import { readHandlerConfig, WATCH_METRICS } from './handler-config';
import { recordCycleMetrics } from './metrics';

const config = readHandlerConfig(process.env);
const logger = new Logger({ serviceName: WATCH_METRICS.service });
const metrics = new Metrics({ namespace: WATCH_METRICS.namespace, serviceName: WATCH_METRICS.service });
const prober = new SmtpProber();
const store = new DynamoHistoryStore({
  client: new DynamoDBClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  tableName: config.tableName,
});
const publisher = new SnsPublisher({ topicArn: config.topicArn });

/**
 * Runs one watch cycle and returns its summary. Probe and publish failures are data (logged, counted,
 * retried by the next cycle); only a cycle that could not finish (e.g. the table is unreachable) throws,
 * so that Lambda's retries and the on-failure destination see it.
 */
export async function handler(_event: unknown, context: Context): Promise<CycleSummary> {
  logger.addContext(context);
  const now = new Date();
  try {
    const result = await runWatchCycle(
      { prober, store, publisher },
      {
        targets: config.targets,
        probeOptions: config.probeOptions,
        now,
        config: config.watch,
        cycleId: context.awsRequestId,
      },
    );
    recordCycleMetrics(metrics, result, now);
    const { summary } = result;
    logger.info('watch cycle finished', { summary });
    const failed = result.observations.filter((o) => !o.ok && o.error?.code !== 'KEY_TYPE_UNAVAILABLE');
    if (failed.length > 0) {
      logger.warn('probes failed', {
        failures: failed.map((o) => ({ target: o.target, address: o.address, keyType: o.keyType, error: o.error })),
      });
    }
    if (summary.publishFailures.length > 0 || summary.unsaved.length > 0) {
      logger.warn('cycle left work for the next one', {
        publishFailures: summary.publishFailures,
        unsaved: summary.unsaved,
      });
    }
    return summary;
  } catch (error) {
    logger.error('watch cycle failed', error as Error);
    metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 0);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
