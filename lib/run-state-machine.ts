/**
 * A scheduled run as a Step Functions state machine: Plan (the function merges the deployed list into
 * the table and cuts it into shards that each fit one invocation) → Shards (a Distributed Map over groups
 * of shard numbers, never the list: state payloads are capped at 256 KiB; each group an Express child
 * execution — billed per request and duration, not per state transition, so it must end within 5
 * minutes — running its shards at once, each one invocation that probes, detects and stores its slice,
 * retried alone) → Merge (one BASELINE for the run, the outbox drained).
 * A shard that fails for good still lets the merge publish what the others found, then the execution
 * fails (alarmed). Every Task has its timeout and its Retry from lib/run-timing.ts, so the execution
 * timeout covers them all (docs/deploy.md "Timeouts"). The same machine runs the certificate watch and,
 * as a second instance, the TLS posture (`mode`).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  DistributedMap,
  Fail,
  type INextable,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EXPRESS_CHILD_MAX_SECONDS, type RunTiming, type StepTiming, stepWorstSeconds } from './run-timing';

/** Shards probing at once: each is one invocation of the function (new accounts run 10 at most in all). */
export const SHARD_CONCURRENCY = 4;

/**
 * Shards one Express child runs at once (an inline Map inside it). A Distributed Map bills one standard
 * transition for every child it starts, so a child per shard made that the largest line of a long list's
 * bill; a child per group of shards pays it once a group (docs/deploy.md "What it costs per month"). The
 * price: a group ends with its slowest shard before the next starts.
 */
export const SHARDS_PER_CHILD = SHARD_CONCURRENCY;

/** What a run watches: certificates (the watch schedule) or TLS posture (the posture schedule). */
export type RunMode = 'watch' | 'posture';

/** Properties of {@link RunStateMachine}. */
export interface RunStateMachineProps {
  fn: IFunction;
  timing: RunTiming;
  mode: RunMode;
  logRetention: RetentionDays;
  /**
   * Steps run between Plan and the shards (the Certificate Transparency step), each a function invoked
   * with `payload` and its timing (`timing.beforeShards`, in the run's sum: lib/run-timing.ts); a step
   * that may fail without stopping the run catches every error and goes on.
   */
  beforeShards?: ReadonlyArray<BeforeShardsStep>;
}

/** One step between Plan and the shards. */
export interface BeforeShardsStep {
  name: string;
  fn: IFunction;
  payload: Record<string, unknown>;
  /** A failure is caught: the run goes on to the shards (the step's output is discarded either way). */
  continueOnFailure: boolean;
}

/** The state machine of one scheduled run. */
export class RunStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RunStateMachineProps) {
    super(scope, id);
    const { timing, mode } = props;
    if (stepWorstSeconds(timing.shard) > EXPRESS_CHILD_MAX_SECONDS) {
      throw new Error(
        `a shard takes up to ${stepWorstSeconds(timing.shard)} s with its retry, more than an Express child ` +
          `execution's ${EXPRESS_CHILD_MAX_SECONDS} s (lib/run-timing.ts caps the function timeout for it)`,
      );
    }
    const plan = this.invoke('Plan', timing.plan, props, {
      kind: 'plan',
      startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
      windowSeconds: timing.shardWindowSeconds,
    });
    const runOf = { runId: JsonPath.stringAt('$.runId'), now: JsonPath.stringAt('$.now') };
    const merge = this.invoke('Merge', timing.merge, props, { kind: 'merge', ...runOf });
    const shard = this.invoke('Shard', timing.shard, props, {
      kind: 'shard',
      ...runOf,
      shard: JsonPath.numberAt('$.shard'),
      shardCount: JsonPath.numberAt('$.shardCount'),
      deadline: JsonPath.numberAt('$.deadline'),
      listDigest: JsonPath.stringAt('$.listDigest'),
    });
    const runFields = {
      'runId.$': '$.runId',
      'now.$': '$.now',
      'shardCount.$': '$.shardCount',
      'deadline.$': '$.deadline',
      'listDigest.$': '$.listDigest',
    };
    // Plan's shard numbers, cut into groups of SHARDS_PER_CHILD (one child execution each).
    const group = new Pass(this, 'GroupShards', {
      parameters: { 'groups.$': `States.ArrayPartition($.shards, ${SHARDS_PER_CHILD})` },
      resultPath: '$.shardGroups',
    });
    const shards = new DistributedMap(this, 'Shards', {
      itemsPath: '$.shardGroups.groups',
      maxConcurrency: SHARD_CONCURRENCY / SHARDS_PER_CHILD,
      mapExecutionType: StateMachineType.EXPRESS,
      itemSelector: { ...runFields, 'shards.$': '$$.Map.Item.Value' },
      resultPath: JsonPath.DISCARD,
    });
    const shardGroup = new MapState(this, 'ShardGroup', {
      itemsPath: '$.shards',
      maxConcurrency: SHARDS_PER_CHILD,
      itemSelector: { ...runFields, 'shard.$': '$$.Map.Item.Value' },
      resultPath: JsonPath.DISCARD,
    });
    shardGroup.itemProcessor(shard);
    shards.itemProcessor(shardGroup);
    const mergeAfterFailure = this.invoke('MergeAfterShardFailure', timing.merge, props, {
      kind: 'merge',
      ...runOf,
    }).next(new Fail(this, 'ShardFailed', { error: 'ShardFailed', cause: 'a shard failed after its retries' }));
    shards.addCatch(mergeAfterFailure, { resultPath: '$.failure' });

    // Plan → (steps before the shards) → Shards → Merge; a step's output is discarded (Plan's goes on).
    const steps = (props.beforeShards ?? []).map((step, i) => {
      const task = this.invoke(step.name, timing.beforeShards[i], { ...props, fn: step.fn }, step.payload, {
        resultPath: JsonPath.DISCARD,
      });
      return { task, step };
    });
    let tail: INextable = plan;
    steps.forEach(({ task, step }, i) => {
      tail.next(task);
      if (step.continueOnFailure) task.addCatch(steps[i + 1]?.task ?? group, { resultPath: JsonPath.DISCARD });
      tail = task;
    });
    tail.next(group).next(shards);
    shards.next(merge);
    const logs = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'Run', {
      comment: `certwatch: one ${mode === 'watch' ? 'watch' : 'TLS posture'} run (plan, shards, merge)`,
      definitionBody: DefinitionBody.fromChainable(plan),
      timeout: Duration.seconds(timing.executionSeconds),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
  }

  /**
   * A Task invoking the function with `payload` (plus the mode and which attempt this is), its timeout
   * and one Retry on every error, waits not growing (backoff 1): what lib/run-timing.ts adds up.
   */
  private invoke(
    name: string,
    timing: StepTiming,
    props: RunStateMachineProps,
    payload: Record<string, unknown>,
    extra: { resultPath?: string } = {},
  ) {
    const task = new LambdaInvoke(this, name, {
      lambdaFunction: props.fn,
      payload: TaskInput.fromObject({
        ...payload,
        mode: props.mode,
        attempt: JsonPath.numberAt('$$.State.RetryCount'),
        attempts: timing.attempts,
      }),
      payloadResponseOnly: true,
      // One Retry on States.ALL covers Lambda's service errors too: no hidden second retry policy.
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(Duration.seconds(timing.timeoutSeconds)),
      ...(extra.resultPath ? { resultPath: extra.resultPath } : {}),
    });
    if (timing.attempts < 2) return task;
    return task.addRetry({
      errors: ['States.ALL'],
      maxAttempts: timing.attempts - 1,
      interval: Duration.seconds(timing.intervalSeconds),
      backoffRate: 1,
    });
  }
}
