/**
 * cdk-nag AwsSolutions findings the watcher accepts, each on the narrowest construct, with the reason.
 * Everything else is fixed in the resources themselves; the stack test fails on any new finding.
 */
import { Validations } from 'aws-cdk-lib';
import type { CertificateWatcher } from './certificate-watcher';

/** Acknowledges the watcher's accepted findings. */
export function acknowledgeWatcherFindings(watcher: CertificateWatcher): void {
  Validations.of(watcher.deadLetters).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue (of the schedule target and of failed async invocations); ' +
      'a dead-letter queue behind it would have nothing to catch, and its depth alarm notifies the topic.',
  });
  const vpcAccess = watcher.function.vpcAccess;
  if (vpcAccess) {
    Validations.of(vpcAccess).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda attaches the function to its VPC with the execution role. These are the six actions of the ' +
        'AWS-managed AWSLambdaVPCAccessExecutionRole, which grants them on "*": the Describe actions have no ' +
        'resource-level permissions and the network interfaces Lambda creates have no ARN known at deploy time.',
    });
  }
}
