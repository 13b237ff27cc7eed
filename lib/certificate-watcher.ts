/**
 * The certificate watcher: an EventBridge Scheduler schedule invokes a Lambda function that runs one watch
 * cycle, keeping the history in a DynamoDB table and publishing notices to a KMS-encrypted SNS topic,
 * with alarms and a dashboard on top. Reusable in any stack; `CertwatchStack` configures it from context.
 */
import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/contract/table-schema';
import type { Target } from '../lambdas/core/targets';
import { SETTINGS } from '../lambdas/settings/table';
import { PORT25_WARNING_ID, planEgress, port25Warning, WatcherNetwork } from './egress';
import {
  functionEnvironment,
  sizeFunctionTimeout,
  WATCH_HANDLER_BUNDLING,
  WATCH_HANDLER_ENTRY,
} from './function-settings';
import { WatcherMonitoring } from './monitoring';
import { acknowledgeWatcherFindings } from './nag-acknowledgements';
import { type CertificateWatcherProps, watcherRefusal, watcherSettings } from './watcher-settings';

export type { CertificateWatcherProps } from './watcher-settings';

/** A posture cycle enumerates many handshakes per address: it gets at least this long. */
export const POSTURE_FUNCTION_TIMEOUT = Duration.minutes(5);

/** The watcher's resources. */
export class CertificateWatcher extends Construct {
  readonly table: Table;
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly fn: NodejsFunction;
  readonly deadLetters: Queue;
  readonly schedule: Schedule;
  /** The posture schedule, unless posture is off. */
  readonly postureSchedule?: Schedule;
  readonly monitoring: WatcherMonitoring;
  readonly network?: WatcherNetwork;
  /** Targets the function probes, and those left out by the egress mode. */
  readonly probedTargets: readonly Target[];
  readonly skippedTargets: readonly Target[];

  constructor(scope: Construct, id: string, props: CertificateWatcherProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const settings = watcherSettings(props);
    const { egress, keyTypes, probeTimeoutMs, watch } = settings;
    const schedulePeriod = settings.schedule;
    const plan = planEgress(settings.targets, egress);
    if (plan.probed.length === 0) {
      throw watcherRefusal(
        SETTINGS.targets,
        'every target is on port 25, which a function outside a VPC cannot reach: deploy with -c egress=vpc',
      );
    }
    this.probedTargets = plan.probed;
    this.skippedTargets = plan.skipped;
    if (plan.skipped.length > 0) Annotations.of(this).addWarningV2(PORT25_WARNING_ID, port25Warning(plan.skipped));
    const postureSchedule = settings.postureSchedule;
    const cycleTimeout = sizeFunctionTimeout({ targets: plan.probed, keyTypes, probeTimeoutMs });
    const timeout =
      postureSchedule !== 'off' && cycleTimeout.toSeconds() < POSTURE_FUNCTION_TIMEOUT.toSeconds()
        ? POSTURE_FUNCTION_TIMEOUT
        : cycleTimeout;
    if (timeout.toSeconds() >= schedulePeriod.toSeconds()) {
      throw watcherRefusal(
        SETTINGS.schedule,
        `the function timeout (${timeout.toSeconds()} s, sized from the targets and probe timeout) must be shorter ` +
          `than the schedule period (${schedulePeriod.toSeconds()} s): choose a slower schedule`,
      );
    }

    this.table = new Table(this, 'History', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
    });
    const index = TABLE_SCHEMA.fingerprintIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    // Alarms publish to the topic too, so CloudWatch may use its key (scoped to this account).
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const sameAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'certwatch: encrypts the notice topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: sameAccount,
      }),
    );
    this.topic = new Topic(this, 'Notices', {
      displayName: 'certwatch notices',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: sameAccount,
      }),
    );
    for (const email of settings.alertEmails) this.topic.addSubscription(new EmailSubscription(email));

    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const logGroup = new LogGroup(this, 'FunctionLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'certwatch watch function: its log group, its table, its topic',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    // Exactly what the cycles do: Query (load a target, pending notices), GetItem (stored posture,
    // heartbeat lookup), PutItem, UpdateItem; Scan only for the weekly heartbeat's summary.
    role.addToPolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          ...(settings.heartbeat === 'weekly' ? ['dynamodb:Scan'] : []),
        ],
        resources: [this.table.tableArn],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    role.addToPolicy(
      new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.topicKey.keyArn] }),
    );
    // The on-failure destination needs SendMessage only (its grant would add GetQueueAttributes and GetQueueUrl).
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }));

    let vpcAccess: Policy | undefined;
    if (egress === 'vpc') {
      this.network = new WatcherNetwork(this, 'Network', {
        vpc: settings.vpc,
        ports: plan.probed.map((t) => t.port),
        logRetention: settings.logRetention,
      });
      // Lambda attaches the function to the VPC with the execution role; these EC2 actions take no resource ARNs.
      vpcAccess = new Policy(this, 'VpcAccessPolicy', { roles: [role] });
      vpcAccess.addStatements(
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
    }

    const asyncMaxAge = Duration.seconds(Math.min(schedulePeriod.toSeconds(), 6 * 3600));
    this.fn = new NodejsFunction(this, 'WatchFunction', {
      description: 'certwatch: one watch cycle (probe, detect, store, notify)',
      entry: WATCH_HANDLER_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout,
      reservedConcurrentExecutions: 1,
      role: role.withoutPolicyUpdates(),
      logGroup,
      bundling: WATCH_HANDLER_BUNDLING,
      environment: functionEnvironment({
        tableName: this.table.tableName,
        topicArn: this.topic.topicArn,
        targets: plan.probed,
        keyTypes,
        probeTimeoutMs,
        trust: settings.trust,
        port25Blocked: egress === 'none',
        watch,
        postureRequire: settings.postureRequire,
        heartbeat: settings.heartbeat,
        addressFamilies: settings.addressFamilies,
      }),
      retryAttempts: 2,
      maxEventAge: asyncMaxAge,
      onFailure: new SqsDestination(this.deadLetters),
      ...(this.network
        ? { vpc: this.network.vpc, vpcSubnets: this.network.subnets, securityGroups: [this.network.securityGroup] }
        : {}),
    });

    // The function sees its role read-only (grants cannot widen it), so the dependency on the role's
    // policies is explicit: in a VPC the function is created attached, with the ENI permissions.
    this.fn.node.addDependency(role);
    if (vpcAccess) this.fn.node.addDependency(vpcAccess);

    // Scheduler's own role with exact permissions; the target gets a view of it that grants cannot widen.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: sameAccount }),
      description: 'certwatch schedule: invoke the watch function, dead-letter undeliverable events',
    });
    schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );
    schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
    );
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'certwatch: run one watch cycle',
      schedule: ScheduleExpression.rate(schedulePeriod),
      target: new LambdaInvoke(this.fn, {
        role: schedulerRole.withoutPolicyUpdates(),
        retryAttempts: 2,
        maxEventAge: Duration.seconds(Math.max(60, Math.min(schedulePeriod.toSeconds(), 86_400))),
        deadLetterQueue: this.deadLetters,
      }),
    });

    if (postureSchedule !== 'off') {
      this.postureSchedule = new Schedule(this, 'PostureSchedule', {
        description: 'certwatch: run one TLS posture cycle',
        schedule: ScheduleExpression.rate(postureSchedule),
        target: new LambdaInvoke(this.fn, {
          input: ScheduleTargetInput.fromObject({ kind: 'posture' }),
          role: schedulerRole.withoutPolicyUpdates(),
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetters,
        }),
      });
    }

    this.monitoring = new WatcherMonitoring(this, 'Monitoring', {
      fn: this.fn,
      deadLetters: this.deadLetters,
      topic: this.topic,
      schedulePeriod,
      targets: plan.probed,
      keyTypes,
      expiryThresholdsDays: watch.expiryThresholdsDays,
    });
    acknowledgeWatcherFindings(this);
  }
}
