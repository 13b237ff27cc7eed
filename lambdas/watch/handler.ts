/**
 * The Lambda adapter of the run (lambdas/run/watch-run.ts): it reads the environment once, builds the
 * AWS adapters, and turns each event into one step of the run, with the invocation's real end
 * (`context.getRemainingTimeInMillis()`) as the step's time. Logs and metrics are its own; the run's
 * behaviour is the same as `certwatch check`'s. Events:
 * - none (or `{ "kind": "watch" }`): one whole cycle in this invocation, then the weekly heartbeat;
 * - `{ "kind": "plan" | "shard" | "merge" }`: the steps of the scheduled run's state machine;
 * - `{ "kind": "posture" }`: one TLS posture cycle;
 * With Certificate Transparency on, the probed leaves get their link keys and NEW_CERTIFICATE of a logged
 * leaf its lead; the logs themselves are read by the CT reader (lambdas/ct/handler.ts, docs/ct.md).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';
import { EXPIRY_LOG, WATCH_METRICS } from '../contract/metrics';
import { ctLinkExtension } from '../ct/link-extension';
import { SnsPublisher } from '../notify/sns-publisher';
import { loadShippedPolicy } from '../policy-file/shipped-policy';
import { SmtpProber } from '../probe/prober';
import { REVOCATION_EXTENSION } from '../probe/revocation-extension';
import type { CycleResult, CycleSummary } from '../run/cycle';
import type { MergeSummary, RunPlan, ShardOrder } from '../run/fan-out';
import { type ShardResult, WatchRun } from '../run/watch-run';
import { readHandlerConfig } from '../settings/handler-config';
import { envName } from '../settings/read';
import { SETTINGS } from '../settings/table';
import { dynamoHistoryStore } from '../store/dynamo-history-store';
import { recordCycleMetrics } from './metrics';
import { loadShippedTargets } from './shipped-targets';

const config = readHandlerConfig(process.env);
if (config.policySha256) config.probeOptions.policy = loadShippedPolicy(config.policySha256);
const logger = new Logger({ serviceName: WATCH_METRICS.service });
const markedInContext = config.deployed.metricTargets.map((t) => t.url);
const expiringWithinDays = Math.max(0, ...config.watch.expiryThresholdsDays);
const metrics = new Metrics({ namespace: WATCH_METRICS.namespace, serviceName: WATCH_METRICS.service });
// The AWS SDK's clients are made at their first request, not at module init (docs/performance.md).
const store = dynamoHistoryStore({
  client: () => {
    const sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
    return new sdk.DynamoDBClient({
      requestHandler: { ...AWS_REQUEST_TIMEOUTS },
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    });
  },
  tableName: config.tableName,
});
/**
 * The deployment's list: shipped beside the handler by the stack (never in the environment);
 * CERTWATCH_TARGETS, which the stack does not set, overrides it for tests and special setups.
 */
const contextTargets =
  (process.env[envName(SETTINGS.targets)] === undefined ? loadShippedTargets() : null) ??
  config.targets.map((t) => t.url);
const ct = config.deployed.ctLogs.kind === 'off' ? null : ctLinkExtension();
const run = new WatchRun(
  {
    store,
    // Revocation verdicts are kept in the table until their nextUpdate (docs/revocation.md).
    prober: new SmtpProber(undefined, undefined, store),
    publisher: new SnsPublisher({ topicArn: config.topicArn }),
  },
  {
    probeOptions: config.probeOptions,
    watch: config.watch,
    list: { kind: 'context', targets: contextTargets },
    postureRules: config.postureRules,
    extensions: [REVOCATION_EXTENSION, ...(ct ? [ct] : [])],
  },
);

/** What a posture run returns (for logs and tests). */
export interface PostureRunSummary {
  kind: 'posture';
  addresses: number;
  incomplete: number;
  notices: number;
  published: number;
}

/** What the state machine adds to every step: the run's mode, and which attempt of how many this is. */
interface StepContext {
  mode?: 'watch' | 'posture';
  attempt?: number;
  attempts?: number;
}

/** The steps of a scheduled run's state machine (plan → shards in a Distributed Map → merge). */
type FanOutEvent = StepContext &
  (
    | { kind: 'plan'; startedAt?: string; windowSeconds?: number }
    | ({ kind: 'shard' } & ShardOrder)
    | { kind: 'merge'; runId: string; now: string }
  );

/** Whether no retry follows this attempt: a direct invocation, or the state machine's last attempt. */
function lastAttempt(event: unknown): boolean {
  const { attempt, attempts } = (event ?? {}) as StepContext;
  return typeof attempt !== 'number' || typeof attempts !== 'number' || attempt + 1 >= attempts;
}

/**
 * Runs the step the event asks for and returns its summary. Probe and publish failures are data
 * (logged, counted, retried by the next cycle); only a step that could not finish (e.g. the table is
 * unreachable) throws, so that the caller's retries see it.
 */
export async function handler(
  event: unknown,
  context: Context,
): Promise<CycleSummary | PostureRunSummary | PostureShardSummary | RunPlan | MergeSummary> {
  logger.addContext(context);
  const now = new Date();
  const step = { invocationEnd: Date.now() + context.getRemainingTimeInMillis(), cycleId: context.awsRequestId };
  const kind = (event as { kind?: unknown } | null)?.kind;
  try {
    if (kind === 'posture') return await postureStep(now, step);
    if (kind === 'plan' || kind === 'shard' || kind === 'merge')
      return await fanOutStep(event as FanOutEvent, now, step);
    const result = await run.cycle(now, step);
    recordMetrics(result, now, true);
    logCycle('watch cycle finished', result);
    await heartbeat(now, context.awsRequestId);
    return result.summary;
  } catch (error) {
    const final = lastAttempt(event);
    logger.error(
      `${typeof kind === 'string' ? kind : 'watch'} step failed${final ? '' : ' (the state machine retries it)'}`,
      error as Error,
    );
    const watchRun = (event as StepContext | null)?.mode !== 'posture';
    if (watchRun && kind !== 'posture' && kind !== 'plan' && kind !== 'shard') {
      metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 0);
    }
    // An error a retry may still recover is not counted (the FunctionErrors alarm watches this).
    if (final) metrics.addMetric(WATCH_METRICS.stepFailed, MetricUnit.Count, 1);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function fanOutStep(
  event: FanOutEvent,
  now: Date,
  step: { invocationEnd: number; cycleId: string },
): Promise<CycleSummary | PostureShardSummary | RunPlan | MergeSummary> {
  const posture = event.mode === 'posture';
  if (event.kind === 'plan') {
    // Every shard is an invocation of this function: it has the time this one has. No shard starts
    // probing after the window the state machine gives (its retries and the merge still fit the run).
    const started = event.startedAt ? Date.parse(event.startedAt) : Date.now();
    const deadline = event.windowSeconds === undefined ? undefined : started + event.windowSeconds * 1000;
    const plan = await run.plan(now, { invocationMs: step.invocationEnd - Date.now(), deadline, posture });
    logger.info('run planned', {
      mode: event.mode ?? 'watch',
      runId: plan.runId,
      entries: plan.entries,
      capacity: plan.capacity,
      shardCount: plan.shardCount,
    });
    return plan;
  }
  if (event.kind === 'shard') {
    const order: ShardOrder = {
      runId: event.runId,
      now: event.now,
      shard: event.shard,
      shardCount: event.shardCount,
      ...(typeof event.deadline === 'number' ? { deadline: event.deadline } : {}),
      ...(typeof event.listDigest === 'string' ? { listDigest: event.listDigest } : {}),
    };
    if (posture) return postureShard(order, step);
    const result = await run.shard(order, step);
    recordMetrics(result, new Date(event.now), false);
    logCycle('shard finished', result, { runId: event.runId, shard: event.shard });
    return result.summary;
  }
  const merged = await run.merge(event, step.cycleId);
  metrics.addMetric(WATCH_METRICS.publishFailures, MetricUnit.Count, merged.publishFailures.length);
  logger.info('run merged', { mode: event.mode ?? 'watch', summary: merged });
  if (posture) return merged;
  metrics.addMetric(WATCH_METRICS.cycleSucceeded, MetricUnit.Count, 1);
  await heartbeat(now, step.cycleId);
  return merged;
}

/** What a posture shard returns (for logs and tests). */
export interface PostureShardSummary extends PostureRunSummary {
  unreached: string[];
}

/** A posture step's notices counted by type, and the watch-list entries it left out logged. */
function recordPostureOutcome(result: { notices: readonly { type: string }[]; problems: readonly object[] }): void {
  for (const notice of result.notices) {
    metrics.singleMetric().addDimension('type', notice.type).addMetric(WATCH_METRICS.notices, MetricUnit.Count, 1);
  }
  for (const problem of result.problems) logger.error('watch-list entry left out', { ...problem });
}

async function postureShard(
  order: ShardOrder,
  step: { invocationEnd: number; cycleId: string },
): Promise<PostureShardSummary> {
  const result = await run.postureShard(order, step);
  recordPostureOutcome(result);
  const summary: PostureShardSummary = {
    kind: 'posture',
    addresses: result.postures.length,
    incomplete: result.incomplete,
    notices: result.notices.length,
    published: 0,
    unreached: result.unreached,
  };
  logger.info('posture shard finished', { runId: order.runId, shard: order.shard, summary });
  return summary;
}

async function postureStep(now: Date, step: { invocationEnd: number; cycleId: string }): Promise<PostureRunSummary> {
  const result = await run.posture(now, step);
  recordPostureOutcome(result);
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
}

/**
 * The cycle's metrics, and one expiry line per target written straight to the log (one JSON line, as
 * the logger's): without the invocation's context fields a line is about 200 bytes, and a 5,000-target
 * list writes 5,000 of them a cycle (docs/deploy.md "What it costs").
 */
function recordMetrics(result: ShardResult, now: Date, wholeCycle: boolean): void {
  const marked = new Set([...markedInContext, ...result.marked]);
  const lines = recordCycleMetrics(metrics, result, now, { expiringWithinDays, marked, wholeCycle });
  const head = { level: 'INFO', message: EXPIRY_LOG.message, timestamp: new Date().toISOString() };
  const service = WATCH_METRICS.service;
  if (lines.length > 0)
    process.stdout.write(lines.map((line) => `${JSON.stringify({ ...head, service, ...line })}\n`).join(''));
}

/** One line per thing a person should look at: entries left out, failed probes, unreached targets, leftovers. */
function logCycle(message: string, result: CycleResult, extra: Record<string, unknown> = {}): void {
  const { summary } = result;
  logger.info(message, { ...extra, summary });
  for (const problem of summary.problems) logger.error('watch-list entry left out', { ...problem });
  // Items the store's readers left out (a watch-list entry, an outbox notice): `certwatch repair --table`.
  for (const bad of store.badItems.found) logger.error('bad item left out', { message: bad.message });
  const failed = result.observations.filter((o) => !o.ok && o.error?.code !== 'KEY_TYPE_UNAVAILABLE');
  if (failed.length > 0) {
    logger.warn('probes failed', {
      failures: failed.map((o) => ({ target: o.target, address: o.address, keyType: o.keyType, error: o.error })),
    });
  }
  if (summary.unreached.length > 0) {
    logger.warn('targets not reached in this invocation (not observed; the next run sizes its shards by this one)', {
      unreached: summary.unreached,
    });
  }
  if (summary.publishFailures.length > 0 || summary.unsaved.length > 0) {
    logger.warn('cycle left work for the next one', {
      publishFailures: summary.publishFailures,
      unsaved: summary.unsaved,
    });
  }
}

async function heartbeat(now: Date, claimant: string): Promise<void> {
  const beat = await run.heartbeat(now, claimant, config.heartbeat);
  if (beat) logger.info('heartbeat sent', { period: beat.dedupeKey });
}
