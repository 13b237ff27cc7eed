/**
 * The scheduled run as a Step Functions state machine: with Certificate Transparency on, ReadCtLogs first
 * (the CT reader function, outside any VPC: docs/ct.md; a failure there is logged and the run goes on), then Plan (the function merges the deployed list into
 * the table and sizes the shards from the list and the measured probe rate) → Shards (a Distributed Map
 * over shard numbers, never the list: state payloads are capped at 256 KiB; each shard one invocation
 * that probes, detects and stores its slice, retried alone) → Merge (one BASELINE for the run, the outbox
 * drained). A shard that fails for good still lets the merge publish what the others found, then the
 * execution fails (alarmed).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Chain,
  DefinitionBody,
  DistributedMap,
  Fail,
  type IChainable,
  JsonPath,
  LogLevel,
  StateMachine,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** Shards probing at once: each is one invocation of the function (its reserved concurrency allows this plus one). */
export const SHARD_CONCURRENCY = 4;

/** Properties of {@link RunStateMachine}. */
export interface RunStateMachineProps {
  fn: IFunction;
  /** Longest a whole run may take (the schedule period: runs do not overlap for long). */
  timeout: Duration;
  logRetention: RetentionDays;
  /** The CT reader, when Certificate Transparency is on: invoked with `{"kind": "ct"}` before Plan. */
  ctFn?: IFunction;
}

/** The state machine of one scheduled run. */
export class RunStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RunStateMachineProps) {
    super(scope, id);
    const { fn } = props;
    const invoke = (name: string, payload: Record<string, unknown>) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
      });
    const plan = invoke('Plan', { kind: 'plan' });
    let start: IChainable = plan;
    if (props.ctFn) {
      const readCt = new LambdaInvoke(this, 'ReadCtLogs', {
        lambdaFunction: props.ctFn,
        payload: TaskInput.fromObject({ kind: 'ct' }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        resultPath: JsonPath.DISCARD,
      });
      // A CT step that fails (a log list that cannot be had, the table) must not stop the watch.
      readCt.addCatch(plan, { resultPath: JsonPath.DISCARD });
      start = readCt.next(plan);
    }
    const mergeInput = { kind: 'merge', runId: JsonPath.stringAt('$.runId'), now: JsonPath.stringAt('$.now') };
    const merge = invoke('Merge', mergeInput).addRetry({
      errors: ['States.ALL'],
      maxAttempts: 2,
      interval: Duration.seconds(30),
      backoffRate: 2,
    });

    const shard = invoke('Shard', {
      kind: 'shard',
      runId: JsonPath.stringAt('$.runId'),
      now: JsonPath.stringAt('$.now'),
      shard: JsonPath.numberAt('$.shard'),
      shardCount: JsonPath.numberAt('$.shardCount'),
    }).addRetry({ errors: ['States.ALL'], maxAttempts: 2, interval: Duration.seconds(30), backoffRate: 2 });
    const shards = new DistributedMap(this, 'Shards', {
      itemsPath: '$.shards',
      maxConcurrency: SHARD_CONCURRENCY,
      itemSelector: {
        'runId.$': '$.runId',
        'now.$': '$.now',
        'shardCount.$': '$.shardCount',
        'shard.$': '$$.Map.Item.Value',
      },
      resultPath: JsonPath.DISCARD,
    });
    shards.itemProcessor(shard);
    const mergeAfterFailure = invoke('MergeAfterShardFailure', mergeInput).next(
      new Fail(this, 'ShardFailed', { error: 'ShardFailed', cause: 'a shard failed after its retries' }),
    );
    shards.addCatch(mergeAfterFailure, { resultPath: '$.failure' });

    const logs = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'Run', {
      comment: 'certwatch: one watch run (plan, shards, merge)',
      definitionBody: DefinitionBody.fromChainable(Chain.start(start).next(shards).next(merge)),
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
  }
}
