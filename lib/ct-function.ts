/**
 * The Certificate Transparency reader: a function of its own (lambdas/ct/handler.ts, a bundle without the
 * prober), outside any VPC, run between the scheduled run's Plan and its shards (docs/ct.md "In the stack"). Its own
 * function because the logs' tiles are tens of GB a day: inbound transfer is free for a Lambda outside a
 * VPC, but through the NAT gateway of `egress=vpc` it is billed per GB processed. It reads and writes
 * the table (log positions, issued certificates, the outbox); the run's merge step publishes.
 */

import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Target } from '../lambdas/core/targets';
import { functionEnvironment, watchHandlerBundling } from './function-settings';
import { CT_MARGIN_SECONDS } from './run-timing';
import type { WatcherSettings } from './watcher-settings';

/** The CT reader's handler source. */
export const CT_HANDLER_ENTRY = join(__dirname, '..', 'lambdas', 'ct', 'handler.ts');
/** One full vCPU: the name filter and the tile hashing are CPU-bound. */
export const CT_FUNCTION_MEMORY_MB = 1769;

/** Properties of {@link CtReaderFunction}. */
export interface CtReaderFunctionProps {
  table: ITable;
  settings: WatcherSettings;
  /** The watched targets (their host names are what the logs are searched for). */
  targets: readonly Target[];
  /** The environment's table and topic, as the watch function has them. */
  tableName: string;
  topicArn: string;
  consumerPolicy?: { json: string; sha256: string };
}

/** The CT reader function with its role and logs. */
export class CtReaderFunction extends Construct {
  readonly handler: NodejsFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: CtReaderFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'certwatch CT reader: its log group and its table',
    });
    const allow = (actions: string[], resources: string[]) =>
      this.role.addToPolicy(new PolicyStatement({ actions, resources }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    // Query (log states, issued certificates, a watched target's history, the MX sets), GetItem (the
    // cached list), PutItem (states, records, notices in the outbox).
    allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [props.table.tableArn]);
    // Traced like the watch function and the run that invokes it (its role takes no automatic grants).
    allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']);
    this.handler = new NodejsFunction(this, 'Handler', {
      description: 'certwatch: Certificate Transparency logs read before each run (outside any VPC)',
      entry: CT_HANDLER_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: CT_FUNCTION_MEMORY_MB,
      timeout: Duration.seconds(settings.ctBudgetSeconds + CT_MARGIN_SECONDS),
      role: this.role.withoutPolicyUpdates(),
      logGroup,
      bundling: watchHandlerBundling(
        props.consumerPolicy?.json,
        props.targets.map((t) => t.url),
      ),
      environment: functionEnvironment({
        ...settings,
        tableName: props.tableName,
        topicArn: props.topicArn,
        port25Blocked: settings.egress === 'none',
        policySha256: props.consumerPolicy?.sha256,
      }),
      retryAttempts: 0,
      tracing: Tracing.ACTIVE,
    });
    this.handler.node.addDependency(this.role);
  }
}
