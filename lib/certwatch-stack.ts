/**
 * The certwatch stack: one certificate watcher configured from CDK context, and its outputs.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { CertificateWatcher } from './certificate-watcher';
import { type ContextKey, parseStackConfig, type StackConfig } from './stack-config';

/** Properties of {@link CertwatchStack}. */
export interface CertwatchStackProps extends StackProps {
  /** Settings to use instead of reading them from context (tests, other apps). */
  config?: StackConfig;
  /** The consumer policy (portable JSON and its SHA-256), read by bin/app.ts from context `policy`. */
  consumerPolicy?: { json: string; sha256: string };
}

/** One watcher, configured from context (docs/deploy.md lists every key). */
export class CertwatchStack extends Stack {
  readonly watcher: CertificateWatcher;

  constructor(scope: Construct, id: string, props: CertwatchStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? parseStackConfig((key: ContextKey) => this.node.tryGetContext(key));
    // The config is in the watcher's terms: only the VPC is looked up, and two keys are named differently.
    const { vpcId, watch, posture, ...settings } = config;
    this.watcher = new CertificateWatcher(this, 'Watcher', {
      ...settings,
      watchConfig: watch,
      postureSchedule: posture,
      ...(vpcId ? { vpc: Vpc.fromLookup(this, 'ExistingVpc', { vpcId }) } : {}),
      ...(props.consumerPolicy ? { consumerPolicy: props.consumerPolicy } : {}),
    });

    new CfnOutput(this, 'TopicArn', {
      description: 'SNS topic of the notices: subscribe here (filter on the type and severity attributes)',
      value: this.watcher.topic.topicArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB history table: certwatch history --table NAME, or aws dynamodb query',
      value: this.watcher.table.tableName,
    });
    new CfnOutput(this, 'FunctionName', {
      description: 'The watch function (aws lambda invoke to run a cycle now)',
      value: this.watcher.fn.functionName,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard with days to expiry per target',
      value: this.watcher.monitoring.dashboard.dashboardName,
    });
  }
}
