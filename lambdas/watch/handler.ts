/**
 * The scheduled Lambda entry point. The certificate schedule sends no input (or `{ "kind": "watch" }`):
 * one watch cycle, the same cycle `certwatch check` runs, then the weekly heartbeat when it is on. The
 * posture schedule sends `{ "kind": "posture" }`: one TLS posture cycle (`certwatch check --posture`).
 * Configuration and adapters are built once per execution environment (module init), not per call.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';
import { WATCH_METRICS } from '../contract/metrics';
import { dnsTimeoutMs } from '../core/budgets';
import { mergePolicySets, watchListPolicies } from '../core/policy/watch-policy';
import type { ProbeOptions } from '../core/probe-options';
import { activeTargets, parseWatchTargets, type WatchItem } from '../core/watch-list';
import { SnsPublisher } from '../notify/sns-publisher';
import { SmtpProber } from '../probe/prober';
import { envName } from '../settings/read';
import { SETTINGS } from '../settings/table';
import { DynamoHistoryStore } from '../store/dynamo-history-store';
import { type CycleSummary, runWatchCycle } from './cycle';
import { type ExpandedTargets, expandWatchTargets } from './expand-targets';
import { type MergeSummary, mergeRun, planRun, type RunPlan, runShard, type ShardOrder } from './fan-out';
import { readHandlerConfig } from './handler-config';
import { sendHeartbeatIfDue } from './heartbeat-step';
import { recordCycleMetrics } from './metrics';
import { runPostureCycle } from './posture-cycle';
import { loadShippedPolicy } from './shipped-policy';
import { loadShippedTargets } from './shipped-targets';
import { mergeContextTargets } from './watch-list';

const config = readHandlerConfig(process.env);
if (config.policySha256) config.probeOptions.policy = loadShippedPolicy(config.policySha256);
const logger = new Logger({ serviceName: WATCH_METRICS.service });
const metrics = new Metrics({ namespace: WATCH_METRICS.namespace, serviceName: WATCH_METRICS.service });
const prober = new SmtpProber();
const store = new DynamoHistoryStore({
  client: new DynamoDBClient({
    requestHandler: { ...AWS_REQUEST_TIMEOUTS },
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  }),
  tableName: config.tableName,
});
const publisher = new SnsPublisher({ topicArn: config.topicArn });
/**
 * The deployment's list: shipped beside the handler by the stack (never in the environment);
 * CERTWATCH_TARGETS, which the stack does not set, overrides it for tests and special setups.
 */
const contextTargets =
  (process.env[envName(SETTINGS.targets)] === undefined ? loadShippedTargets() : null) ??
  config.targets.map((t) => t.url);

/**
 * This run's targets: the table's watch list (the deployment's context list merged in, never re-adding
 * one removed at run time), `mx:` entries expanded to their MX hosts.
 */
async function watchedTargets(now: Date): Promise<ExpandedTargets & { probeOptions: ProbeOptions }> {
  await mergeContextTargets(store, contextTargets, now);
  const list = await store.loadWatchList();
  const entries = parseWatchTargets(list ? activeTargets(list) : []);
  const { probeOptions } = config;
  const expansion = await expandWatchTargets(entries, {
    store,
    now,
    keyTypes: probeOptions.keyTypes,
    dns: { servers: probeOptions.dnsServers, timeoutMs: dnsTimeoutMs(probeOptions.timeoutMs) },
  });
  return { ...expansion, probeOptions: withListPolicies(list?.items ?? []) };
}

/** The probe options with the watch list's per-entry consumer policies added to the context's. */
function withListPolicies(items: readonly WatchItem[]): ProbeOptions {
  try {
    const policy = mergePolicySets([config.probeOptions.policy, watchListPolicies(items)]);
    return policy ? { ...config.probeOptions, policy } : config.probeOptions;
  } catch (error) {
    // A stored policy that no longer reads must not stop the watch: the context's policy still applies.
    logger.error('a watch-list consumer policy cannot be read; using the deployed policy only', { error });
    return config.probeOptions;
  }
}

/** What a posture run returns (for logs and tests). */
export interface PostureRunSummary {
  kind: 'posture';
  addresses: number;
  incomplete: number;
  notices: number;
  published: number;
}

/**
 * Runs the cycle the event asks for and returns its summary. Probe and publish failures are data
 * (logged, counted, retried by the next cycle); only a cycle that could not finish (e.g. the table is
 * unreachable) throws, so that Lambda's retries and the on-failure destination see it.
 */
export async function handler(
  event: unknown,
  context: Context,
): Promise<CycleSummary | PostureRunSummary | RunPlan | MergeSummary> {
  logger.addContext(context);
  const now = new Date();
  const kind = (event as { kind?: unknown } | null)?.kind;
  if (kind === 'posture') return postureRun(now, context);
  if (kind === 'plan' || kind === 'shard' || kind === 'merge') return fanOutStep(event as FanOutEvent, now, context);
  try {
    const expansion = await watchedTargets(now);
    const result = await runWatchCycle(
      { prober, store, publisher },
      {
        targets: expansion.targets,
        probeOptions: expansion.probeOptions,
        now,
        config: config.watch,
        cycleId: context.awsRequestId,
        expansion,
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
    const beat = await sendHeartbeatIfDue({
      schedule: config.heartbeat,
      store,
      publisher,
      targets: expansion.targets,
      now,
      claimant: context.awsRequestId,
    });
    if (beat) logger.info('heartbeat sent', { period: beat.dedupeKey });
    return summary;
  } catch (error) {
    logger.error('watch cycle failed', error as Error);
    metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 0);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** The steps of the scheduled run's state machine (plan → shards in a Distributed Map → merge). */
type FanOutEvent = { kind: 'plan' } | ({ kind: 'shard' } & ShardOrder) | { kind: 'merge'; runId: string; now: string };

async function fanOutStep(
  event: FanOutEvent,
  now: Date,
  context: Context,
): Promise<CycleSummary | RunPlan | MergeSummary> {
  try {
    if (event.kind === 'plan') {
      const plan = await planRun(store, now, { context: contextTargets });
      logger.info('run planned', { runId: plan.runId, entries: plan.entries, shardCount: plan.shardCount });
      return plan;
    }
    if (event.kind === 'shard') {
      const result = await runShard({ store, prober, publisher }, event, {
        probeOptions: config.probeOptions,
        probeOptionsFor: withListPolicies,
        watch: config.watch,
        cycleId: context.awsRequestId,
      });
      recordCycleMetrics(metrics, result, new Date(event.now), false);
      logger.info('shard finished', { runId: event.runId, shard: event.shard, summary: result.summary });
      return result.summary;
    }
    const merged = await mergeRun({ store, publisher }, event, context.awsRequestId);
    metrics.addMetric(WATCH_METRICS.publishFailures, MetricUnit.Count, merged.publishFailures.length);
    metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 1);
    logger.info('run merged', { summary: merged });
    const beat = await sendHeartbeatIfDue({
      schedule: config.heartbeat,
      store,
      publisher,
      targets: (await watchedTargets(now)).targets,
      now,
      claimant: context.awsRequestId,
    });
    if (beat) logger.info('heartbeat sent', { period: beat.dedupeKey });
    return merged;
  } catch (error) {
    logger.error(`${event.kind} step failed`, error as Error);
    if (event.kind === 'merge') metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 0);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function postureRun(now: Date, context: Context): Promise<PostureRunSummary> {
  try {
    const { targets } = await watchedTargets(now);
    const result = await runPostureCycle(
      { store, publisher },
      {
        targets,
        probeOptions: config.probeOptions,
        postureOptions: { rules: config.postureRules },
        now,
        cycleId: context.awsRequestId,
      },
    );
    for (const notice of result.notices) {
      metrics.singleMetric().addDimension('type', notice.type).addMetric(WATCH_METRICS.notices, MetricUnit.Count, 1);
    }
    const summary: PostureRunSummary = {
      kind: 'posture',
      addresses: result.postures.length,
      incomplete: result.incomplete,
      notices: result.notices.length,
      published: result.published.length,
    };
    logger.info('posture cycle finished', { summary });
    if (result.incomplete > 0) {
      logger.warn('posture enumerations incomplete', {
        incomplete: result.postures
          .filter((p) => !p.ok)
          .map((p) => ({ target: p.target, address: p.address, error: p.error })),
      });
    }
    return summary;
  } catch (error) {
    logger.error('posture cycle failed', error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
