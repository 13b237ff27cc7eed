/**
 * The watch function and what it runs with: its log group, an execution role granting exactly what the
 * cycles do, the dead-letter queue of failed invocations, and in a VPC the policy Lambda attaches the
 * function with. The environment is the handler's contract (lambdas/contract/function-env.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { keys } from '../lambdas/contract/table-schema';
import type { Target } from '../lambdas/core/targets';
import type { WatcherNetwork } from './egress';
import { functionEnvironment, WATCH_HANDLER_ENTRY, watchHandlerBundling } from './function-settings';
import type { WatcherSettings } from './watcher-settings';

/** Properties of {@link WatchFunction}. */
export interface WatchFunctionProps {
  table: ITable;
  topic: ITopic;
  topicKey: IKey;
  /** The targets to probe (after egress filtering). */
  targets: readonly Target[];
  settings: WatcherSettings;
  /** One shard invocation's time: what the run's times leave for it (lib/run-timing.ts). */
  timeout: Duration;
  /** The VPC to run in (egress `vpc`). */
  network?: WatcherNetwork;
  /** A consumer policy to ship beside the handler (portable JSON and its SHA-256). */
  consumerPolicy?: { json: string; sha256: string };
}

/** The Lambda function that runs the cycles, with its role, logs and dead letters. */
export class WatchFunction extends Construct {
  readonly handler: NodejsFunction;
  readonly role: Role;
  readonly deadLetters: Queue;
  /** The function's log group (its expiry lines feed the dashboard's per-target table). */
  readonly logGroup: LogGroup;
  /** In a VPC: the ENI permissions Lambda attaches the function with. */
  readonly vpcAccess?: Policy;

  constructor(scope: Construct, id: string, props: WatchFunctionProps) {
    super(scope, id);
    const { settings, network } = props;
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup = logGroup;
    this.role = this.executionRole(props, logGroup);
    if (network) this.vpcAccess = this.vpcAccessPolicy();
    const period = settings.schedule.toSeconds();
    this.handler = new NodejsFunction(this, 'Handler', {
      description: 'certwatch: one watch cycle (probe, detect, store, notify)',
      entry: WATCH_HANDLER_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      // No reserved concurrency: Lambda refuses a reservation that leaves an account fewer than 10
      // unreserved, and new accounts have 10 in all. Runs do not overlap (the state machine's timeout is
      // under the schedule period) and the outbox's claims keep notices exactly-once if they ever do.
      // Traced like the state machine that invokes it: one trace per run.
      tracing: Tracing.ACTIVE,
      role: this.role.withoutPolicyUpdates(),
      logGroup,
      // The target list ships beside the handler (data/watch-targets.txt), never in the environment.
      bundling: watchHandlerBundling(
        props.consumerPolicy?.json,
        props.targets.map((t) => t.url),
      ),
      environment: functionEnvironment({
        ...settings,
        tableName: props.table.tableName,
        topicArn: props.topic.topicArn,
        port25Blocked: settings.egress === 'none',
        policySha256: props.consumerPolicy?.sha256,
      }),
      retryAttempts: 2,
      maxEventAge: Duration.seconds(Math.min(period, 6 * 3600)),
      onFailure: new SqsDestination(this.deadLetters),
      ...(network ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: [network.securityGroup] } : {}),
    });
    // The function sees its role read-only (grants cannot widen it), so the dependency on the role's
    // policies is explicit: in a VPC the function is created attached, with the ENI permissions.
    this.handler.node.addDependency(this.role);
    if (this.vpcAccess) this.handler.node.addDependency(this.vpcAccess);
  }

  /** Exactly what the cycles do, on exactly their resources. */
  private executionRole(props: WatchFunctionProps, logGroup: LogGroup): Role {
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'certwatch watch function: its log group, its table, its topic',
    });
    const allow = (actions: string[], resources: string[]) =>
      role.addToPolicy(new PolicyStatement({ actions, resources }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    // Query (load a target, pending-notice markers), GetItem (stored posture, heartbeat lookup), BatchGetItem
    // (the pending notices a drain's markers name, cached revocation verdicts), BatchWriteItem (puts only: a
    // shard's BASELINE facts and leaf notices for the merge, revocation verdicts), PutItem, UpdateItem; Scan
    // only for the weekly heartbeat's summary.
    const scan = props.settings.heartbeat === 'weekly' ? ['dynamodb:Scan'] : [];
    allow(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        ...scan,
      ],
      [props.table.tableArn],
    );
    // Deleting is for the pending-notice markers only (docs/history-table.md): no history item can go.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.outboxPending] } },
      }),
    );
    allow(['sns:Publish'], [props.topic.topicArn]);
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [props.topicKey.keyArn]);
    // The on-failure destination needs SendMessage only (its grant would add GetQueueAttributes and GetQueueUrl).
    allow(['sqs:SendMessage'], [this.deadLetters.queueArn]);
    // X-Ray takes no resource ARNs (the role is read-only to CDK, which would otherwise add this itself).
    allow(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], ['*']);
    return role;
  }

  /** Lambda attaches the function to the VPC with the execution role; these EC2 actions take no resource ARNs. */
  private vpcAccessPolicy(): Policy {
    const policy = new Policy(this, 'VpcAccessPolicy', { roles: [this.role] });
    policy.addStatements(
      new PolicyStatement({
        actions: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    return policy;
  }
}
