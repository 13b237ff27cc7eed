/**
 * The default stack (plus two alert e-mails): every property the issue asks for, asserted on the template.
 */

import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_TARGET_URLS } from '../../lambdas/core/targets';
import { SETTINGS } from '../../lambdas/settings/table';
import { SHARDS_PER_CHILD } from '../../lib/run-state-machine';
import { ctStepTiming, runTiming } from '../../lib/run-timing';
import { machineAsl, shardGroupState, shardTask } from './run-definition';
import { ACCOUNT, logicalId, type Synth, synth } from './synth';

/** The default stack reads CT logs between Plan and the shards (docs/ct.md): its step is in the run's sum. */
const DEFAULT_CT_STEP = { extraSteps: [ctStepTiming(SETTINGS.ctBudgetSeconds.default)] };

let s: Synth;
let template: Template;
let ids: {
  fn: string;
  table: string;
  topic: string;
  key: string;
  queue: string;
  logs: string;
  machine: string;
  postureMachine: string;
};

beforeAll(() => {
  s = synth({ alertEmail: 'ops@example.com, oncall@example.com' }, { quietPort25: true });
  template = s.template;
  const w = s.stack.watcher;
  ids = {
    fn: logicalId(s, w.fn),
    table: logicalId(s, w.table),
    topic: logicalId(s, w.topic),
    key: logicalId(s, w.topicKey),
    queue: logicalId(s, w.deadLetters),
    logs: s.stack.getLogicalId(w.fn.logGroup.node.defaultChild as never),
    machine: logicalId(s, w.run.stateMachine),
    postureMachine: logicalId(s, (w.postureRun as NonNullable<typeof w.postureRun>).stateMachine),
  };
});

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

describe('schedule', () => {
  test('starts the run state machine every 15 minutes by default, with a retry policy and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { Ref: ids.machine },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
        DeadLetterConfig: { Arn: getAtt(ids.queue) },
      },
    });
  });

  test('starts the TLS posture run daily by default, with retries and the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: {
        Arn: { Ref: ids.postureMachine },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 },
        DeadLetterConfig: { Arn: getAtt(ids.queue) },
      },
    });
  });

  test('has no posture schedule nor posture run with -c posture=off', () => {
    const off = synth({ posture: 'off' }, { quietPort25: true }).template;
    off.resourceCountIs('AWS::Scheduler::Schedule', 1);
    off.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  test('the scheduler role may only start the two runs and dead-letter to its queue', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
        ],
      },
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('Schedules.*Role|SchedulerRole') },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(2);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: 'states:StartExecution',
          Effect: 'Allow',
          Resource: expect.arrayContaining([{ Ref: ids.machine }, { Ref: ids.postureMachine }]),
        },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: getAtt(ids.queue) },
      ]),
    );
  });
});

describe('function', () => {
  test('is Node.js 24 on arm64, traced, without reserved concurrency, with the shard time of the schedule', () => {
    // The watch function and the CT reader (test/stack/ct-reader.test.ts).
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      Timeout: runTiming(900, DEFAULT_CT_STEP).functionSeconds,
      MemorySize: 512,
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
    });
  });

  test('carries table, topic and watch configuration in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CERTWATCH_TABLE_NAME: { Ref: ids.table },
          CERTWATCH_TOPIC_ARN: { Ref: ids.topic },
          CERTWATCH_KEY_TYPES: 'rsa,ecdsa',
          CERTWATCH_PROBE_TIMEOUT_MS: '10000',
          CERTWATCH_TRUST: 'node',
          CERTWATCH_PORT25_BLOCKED: 'true',
          CERTWATCH_EXPIRY_DAYS: '21,14,7,3,1',
          CERTWATCH_STALE_AFTER_CYCLES: '3',
          CERTWATCH_STALE_AFTER_HOURS: '48',
          CERTWATCH_FAILING_AFTER: '3',
          CERTWATCH_ROTATION_OVERDUE_SHARE: '0.75',
          POWERTOOLS_SERVICE_NAME: 'certwatch',
          POWERTOOLS_METRICS_NAMESPACE: 'Certwatch',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  test('sends failed asynchronous invocations to the dead-letter queue after two retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.fn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 900,
      DestinationConfig: { OnFailure: { Destination: getAtt(ids.queue) } },
    });
  });

  test('keeps its logs 90 days by default', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('may only write its logs, use its table, publish to its topic with its key, dead-letter and trace', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] } },
    });
    // The watch function's role (the CT reader has its own: test/stack/ct-reader.test.ts).
    const roleId = (template.toJSON().Resources[ids.fn].Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(Object.keys(roles)).toContain(roleId);
    expect(roles[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    expect(Object.values(policies).map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      [
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(ids.logs) },
        {
          Action: [
            'dynamodb:BatchGetItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          Effect: 'Allow',
          Resource: getAtt(ids.table),
        },
        {
          Action: 'dynamodb:DeleteItem',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['OUTBOX#PENDING'] } },
          Effect: 'Allow',
          Resource: getAtt(ids.table),
        },
        { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: ids.topic } },
        { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: getAtt(ids.key) },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: getAtt(ids.queue) },
        { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      ],
    ]);
  });
});

describe('history table', () => {
  test('has the contract keys and byFingerprint index, on demand, with PITR, deletion protection and TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byFingerprint',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('is retained when the stack is deleted or the table replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('notice topic', () => {
  test('is encrypted with its own rotating KMS key', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(ids.key) });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('refuses publishing without TLS and lets only same-account CloudWatch alarms in besides IAM', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.topic }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: { Ref: ids.topic },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: ids.topic },
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
        ],
      },
    });
  });

  test('lets CloudWatch alarms of this account use the key', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ]),
      },
    });
  });

  test('subscribes each alert e-mail from context', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: ids.topic },
      });
    }
  });
});

describe('dead-letter queue', () => {
  test('is encrypted, TLS-only and keeps messages 14 days', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });
});

describe('monitoring', () => {
  const topicActions = () => ({ AlarmActions: [{ Ref: ids.topic }], OKActions: [{ Ref: ids.topic }] });

  test('has exactly four alarms, all notifying the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  test('alarms on a run (state machine execution) that failed, timed out or was aborted', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...topicActions(),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'failed0 + timedOut0 + aborted0 + failed1 + timedOut1 + aborted1' }),
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsFailed',
              Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: ids.machine } }],
            }),
          }),
        }),
      ]),
    });
  });

  test('alarms on a step that failed on its last attempt, not on an error its retry recovers', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...topicActions(),
      Namespace: 'Certwatch',
      MetricName: 'StepFailed',
      Dimensions: [{ Name: 'service', Value: 'certwatch' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('alarms on any message in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...topicActions(),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(ids.queue, 'QueueName') }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('alarms when no cycle succeeded in 2 schedule periods, missing data counting as failure', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...topicActions(),
      Namespace: 'Certwatch',
      MetricName: 'CycleSucceeded',
      Dimensions: [{ Name: 'service', Value: 'certwatch' }],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('has a dashboard of the list that names no target: least days per key type, targets by condition, the expiry log table', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const keyType of ['rsa', 'ecdsa']) {
      expect(body).toContain(
        `\\"Certwatch\\",\\"MinDaysToExpiry\\",\\"keyType\\",\\"${keyType}\\",\\"service\\",\\"certwatch\\"`,
      );
    }
    for (const state of ['expired', 'expiring', 'failing', 'ok']) {
      expect(body).toContain(`\\"Certwatch\\",\\"Targets\\",\\"service\\",\\"certwatch\\",\\"state\\",\\"${state}\\"`);
    }
    expect(body).toContain('\\"log\\"');
    for (const url of DEFAULT_TARGET_URLS) expect(body).not.toContain(url);
  });

  test('ships the marked targets of context metricTargets to the function, and no per-target line to the dashboard', () => {
    const marked = synth({ metricTargets: 'smtps://smtp.gmail.com:465' }, { quietPort25: true }).template;
    marked.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CERTWATCH_METRIC_TARGETS: 'smtps://smtp.gmail.com:465' }) },
    });
    const [dashboard] = Object.values(marked.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain('smtp.gmail.com');
  });
});

describe('outputs', () => {
  test('exports the topic ARN, table name and function name', () => {
    template.hasOutput('TopicArn', { Value: { Ref: ids.topic } });
    template.hasOutput('TableName', { Value: { Ref: ids.table } });
    template.hasOutput('FunctionName', { Value: { Ref: ids.fn } });
  });
});

describe('run state machine (fan-out)', () => {
  /** The watch run's state machine definition. */
  const definition = (t: Template = template) => machineAsl(t, 'WatcherRunMachine');

  test('plans, runs the shards in a Distributed Map over groups of shard numbers, then merges', () => {
    const d = definition();
    // The CT step between the plan and the shards (test/stack/ct-reader.test.ts).
    expect(d.StartAt).toBe('Plan');
    expect(d.States.Plan).toMatchObject({ Type: 'Task', Next: 'ReadCtLogs' });
    expect(d.States.ReadCtLogs).toMatchObject({ Type: 'Task', Next: 'GroupShards' });
    const step = { mode: 'watch', 'attempt.$': '$$.State.RetryCount', attempts: 2 };
    expect(d.States.Plan.Parameters).toEqual({
      kind: 'plan',
      'startedAt.$': '$$.Execution.StartTime',
      windowSeconds: runTiming(900, DEFAULT_CT_STEP).shardWindowSeconds,
      ...step,
    });
    expect(d.States.GroupShards).toMatchObject({
      Type: 'Pass',
      Parameters: { 'groups.$': `States.ArrayPartition($.shards, ${SHARDS_PER_CHILD})` },
      ResultPath: '$.shardGroups',
      Next: 'Shards',
    });
    const map = d.States.Shards;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shardGroups.groups',
      MaxConcurrency: 1,
      ResultPath: null,
      Next: 'Merge',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
    });
    // Shard numbers only: the list itself never travels in a state payload.
    const run = {
      'runId.$': '$.runId',
      'now.$': '$.now',
      'shardCount.$': '$.shardCount',
      'deadline.$': '$.deadline',
      'listDigest.$': '$.listDigest',
    };
    expect(map.ItemSelector).toEqual({ ...run, 'shards.$': '$$.Map.Item.Value' });
    expect(shardGroupState(d)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.shards',
      MaxConcurrency: 4,
      ResultPath: null,
      ItemSelector: { ...run, 'shard.$': '$$.Map.Item.Value' },
    });
    expect(d.States.Merge.Parameters).toEqual({ kind: 'merge', 'runId.$': '$.runId', 'now.$': '$.now', ...step });
  });

  test('retries a failed shard alone, and still merges what the other shards found before failing the run', () => {
    const d = definition();
    const shard = shardTask(d);
    expect(shard.Parameters).toMatchObject({ kind: 'shard', 'shard.$': '$.shard' });
    expect(shard.Retry).toEqual(
      expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 1 })]),
    );
    expect(d.States.Shards.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MergeAfterShardFailure' },
    ]);
    expect(d.States.MergeAfterShardFailure.Next).toBe('ShardFailed');
    expect(d.States.ShardFailed.Type).toBe('Fail');
  });

  test('logs every execution and traces it with X-Ray, as the function is; its role may invoke only the watch function and the CT reader', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('RunMachineRunRoleDefaultPolicy') },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke.length).toBeGreaterThan(0);
    const reader = logicalId(s, s.stack.watcher.ctReader?.handler as never);
    for (const st of invoke) {
      for (const resource of [st.Resource].flat())
        expect(JSON.stringify(resource)).toMatch(new RegExp(`${ids.fn}|${reader}`));
    }
  });

  test('no target list in any environment: the list is shipped beside the handler and read from the table', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      expect(Object.keys(fn.Properties.Environment?.Variables ?? {})).not.toContain('CERTWATCH_TARGETS');
    }
  });
});
