/**
 * WatchFunction: the Lambda function with its environment contract, an execution role granting exactly
 * what the cycles do, its log group, its dead-letter queue and, in a VPC, the ENI policy.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseTargets } from '../../lambdas/core/targets';
import { HistoryTable } from '../../lib/history-table';
import { NoticeTopic } from '../../lib/notice-topic';
import { WatchFunction } from '../../lib/watch-function';
import type { CertificateWatcherProps } from '../../lib/watcher-settings';
import { bareStack, settingsWith, templateOf } from './parts';

/** What the cycles do on the table (the weekly heartbeat adds Scan; deleting is granted apart). */
const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

const TARGETS = parseTargets(['smtps://smtp.gmail.com:465', 'smtp://smtp.gmail.com:587']);

function build(props: CertificateWatcherProps = {}): { stack: Stack; part: WatchFunction; template: Template } {
  const stack = bareStack();
  const table = new HistoryTable(stack, 'History');
  const topic = new NoticeTopic(stack, 'Notices');
  const part = new WatchFunction(stack, 'Function', {
    table,
    topic,
    topicKey: topic.key,
    targets: TARGETS,
    settings: settingsWith(props),
    timeout: Duration.seconds(60),
  });
  return { stack, part, template: templateOf(stack) };
}

const id = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

test('runs on Node.js 24 arm64 with the given timeout, traced, reserving no concurrency (new accounts cannot)', () => {
  // Act
  const { template } = build();

  // Assess
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    MemorySize: 512,
    Timeout: 60,
    ReservedConcurrentExecutions: Match.absent(),
    TracingConfig: { Mode: 'Active' },
  });
});

test('carries the settings in the environment the handler reads', () => {
  // Act
  const { template } = build({
    probeTimeoutMs: 4000,
    keyTypes: ['ecdsa'],
    watchConfig: { failingAfter: 5 },
    dns: ['192.0.2.53'],
  });

  // Assess
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        CERTWATCH_PROBE_TIMEOUT_MS: '4000',
        CERTWATCH_KEY_TYPES: 'ecdsa',
        CERTWATCH_FAILING_AFTER: '5',
        CERTWATCH_PORT25_BLOCKED: 'true',
        CERTWATCH_ADDRESS_FAMILIES: '4',
        CERTWATCH_HEARTBEAT: 'off',
        CERTWATCH_DNS: '192.0.2.53',
      }),
    },
  });
  // The target list ships beside the handler, never in the environment.
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  expect(fn.Properties.Environment.Variables).not.toHaveProperty('CERTWATCH_TARGETS');
});

test('leaves the posture rule variable out when there are no rules (an empty value is an error)', () => {
  // Act
  const { template } = build();

  // Assess
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  expect(fn.Properties.Environment.Variables).not.toHaveProperty('CERTWATCH_POSTURE_REQUIRE');
});

test('grants exactly the table, topic, key, log, queue and tracing actions the cycles use', () => {
  // Act
  const { stack, part, template } = build();

  // Assess
  const logs = id(stack, part.handler.logGroup);
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: id(stack, part.role) }],
    PolicyDocument: {
      Statement: [
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logs, 'Arn'] },
        },
        {
          Action: TABLE_ACTIONS,
          Effect: 'Allow',
          Resource: Match.anyValue(),
        },
        {
          Action: 'dynamodb:DeleteItem',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['OUTBOX#PENDING'] } },
          Effect: 'Allow',
          Resource: Match.anyValue(),
        },
        { Action: 'sns:Publish', Effect: 'Allow', Resource: Match.anyValue() },
        { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: Match.anyValue() },
        {
          Action: 'sqs:SendMessage',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [id(stack, part.deadLetters), 'Arn'] },
        },
        { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      ],
    },
  });
  template.resourceCountIs('AWS::IAM::Policy', 1);
});

test('adds Scan only for the weekly heartbeat', () => {
  // Act
  const { template } = build({ heartbeat: 'weekly' });

  // Assess
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: [...TABLE_ACTIONS, 'dynamodb:Scan'],
        }),
      ]),
    },
  });
});

test('retries a failed invocation twice, then sends it to its encrypted dead-letter queue', () => {
  // Act
  const { stack, part, template } = build({ logRetention: 30 });

  // Assess
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    MaximumRetryAttempts: 2,
    MaximumEventAgeInSeconds: 900,
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(stack, part.deadLetters), 'Arn'] } } },
  });
  template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  expect(part.vpcAccess).toBeUndefined();
});
