/**
 * The CT reader's Lambda handler (docs/ct.md "In the stack"): one Certificate Transparency step per
 * invocation (`{"kind": "ct"}`, the state machine's ReadCtLogs), outside any VPC, with the watch function's
 * environment. It reads the watch list the run's Plan just merged (URL entries, and the stored MX hosts of
 * `mx:` entries: no DNS, no write to the list), reads the logs within its invocation, and records issued
 * certificates, log positions and notices in the table; the run's merge step publishes. Its bundle holds
 * no prober: the CT step only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';
import { WATCH_METRICS } from '../contract/metrics';
import { mergePolicySets, watchListPolicies } from '../core/policy/watch-policy';
import type { HistoryStore } from '../core/ports';
import { parseTarget, type Target } from '../core/targets';
import { parseWatchTargets } from '../core/watch-list';
import { loadShippedPolicy } from '../policy-file/shipped-policy';
import { readHandlerConfig } from '../settings/handler-config';
import { envName } from '../settings/read';
import { SETTINGS } from '../settings/table';
import { dynamoHistoryStore } from '../store/dynamo-history-store';
import { type CtLogReport, runCtStep } from './ct-step';

const config = readHandlerConfig(process.env);
if (config.policySha256) config.probeOptions.policy = loadShippedPolicy(config.policySha256);
const logger = new Logger({ serviceName: `${WATCH_METRICS.service}-ct` });
const store = dynamoHistoryStore({
  client: new DynamoDBClient({
    requestHandler: { ...AWS_REQUEST_TIMEOUTS },
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  }),
  tableName: config.tableName,
});

/** What one CT step returns (the state machine discards it; logs and tests read it). */
export interface CtStepSummary {
  kind: 'ct';
  summary: string;
  logs: CtLogReport[];
  notices: number;
  warning: string | null;
}

/** The watched targets: CERTWATCH_TARGETS when set (tests), else the table's list with the stored MX hosts. */
async function watchedTargets(history: HistoryStore): Promise<Target[]> {
  if (process.env[envName(SETTINGS.targets)] !== undefined) return config.targets;
  const list = await history.loadWatchList();
  const active = (list?.items ?? []).filter((i) => i.status === 'active');
  const targets: Target[] = [];
  for (const entry of parseWatchTargets(active.map((i) => i.target))) {
    if (entry.kind === 'url') targets.push(entry.target);
    else
      for (const { host } of (await history.loadMx(entry.domain))?.hosts ?? [])
        targets.push(parseTarget(`smtp://${host}:25`));
  }
  // A stored policy that no longer reads only costs its forecasts: the run reports it.
  try {
    config.probeOptions.policy = mergePolicySets([config.probeOptions.policy, watchListPolicies(active)]);
  } catch (error) {
    logger.warn('a watch-list policy does not read; forecasts use the deployment policy only', error as Error);
  }
  return targets;
}

/** Runs the CT step within the invocation; a log's failure is data, the list's or the table's throws. */
export async function handler(_event: unknown, context: Context): Promise<CtStepSummary> {
  logger.addContext(context);
  const now = new Date();
  const { deployed } = config;
  const result = await runCtStep(
    {
      source: deployed.ctLogs,
      backfill: deployed.ctBackfill,
      maxEntries: deployed.ctMaxEntries,
      maxBytes: deployed.ctMaxMegabytes * 1024 * 1024,
      expectIssuers: deployed.expectIssuers,
    },
    {
      store,
      targets: await watchedTargets(store),
      probeOptions: config.probeOptions,
      now,
      // The step's budget, within the invocation (a few seconds kept for the writes after the reading).
      deadline: Math.min(
        Date.now() + deployed.ctBudgetSeconds * 1000,
        Date.now() + context.getRemainingTimeInMillis() - 15_000,
      ),
    },
  );
  for (const log of result.logs.filter((l) => l.outcome !== 'ok')) logger.warn('CT log not read', { ...log });
  if (result.warning) logger.warn(result.warning);
  logger.info('CT step finished', { summary: result.summary });
  return {
    kind: 'ct',
    summary: result.summary,
    logs: result.logs,
    notices: result.notices.length,
    warning: result.warning,
  };
}
