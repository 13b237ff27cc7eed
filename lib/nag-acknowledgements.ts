/**
 * cdk-nag AwsSolutions findings the watcher accepts, each on the narrowest construct, with the reason.
 * Everything else is fixed in the resources themselves; the stack test fails on any new finding.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
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
  const functionPolicy = watcher.function.role.node.tryFindChild('DefaultPolicy');
  if (functionPolicy) {
    Validations.of(functionPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing of the function (xray:PutTraceSegments, PutTelemetryRecords), traced like the state machines ' +
        'that invoke it: AWS documents these actions on "*" only.',
    });
  }
  const ctPolicy = watcher.ctReader?.role.node.tryFindChild('DefaultPolicy');
  if (ctPolicy) {
    Validations.of(ctPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing of the CT reader (xray:PutTraceSegments, PutTelemetryRecords), traced like the run that ' +
        'invokes it: AWS documents these actions on "*" only.',
    });
  }
  for (const run of [watcher.run, ...(watcher.postureRun ? [watcher.postureRun] : [])]) {
    const machine = run.stateMachine;
    const machineRole = machine.role.node.tryFindChild('DefaultPolicy');
    if (machineRole) {
      Validations.of(machineRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(watcher.fn)}.Arn>:*]`,
        reason:
          'The state machine invokes the one watch function; Step Functions grants lambda:InvokeFunction on the ' +
          'function and its qualified ARNs (versions and aliases of that same function), never another function.',
      });
      if (watcher.ctReader && run === watcher.run) {
        Validations.of(machineRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(watcher.ctReader.handler)}.Arn>:*]`,
          reason:
            'The watch run invokes the one CT reader function before its shards; Step Functions grants ' +
            'lambda:InvokeFunction on the function and its qualified ARNs (versions and aliases of it), never another.',
        });
      }
      Validations.of(machineRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and ' +
          'execution logging to CloudWatch Logs (logs:CreateLogDelivery and the other log-delivery actions) have ' +
          'no resource-level permissions: AWS documents them on "*" only.',
      });
    }
    const mapPolicy = machine.node.tryFindChild('DistributedMapPolicy');
    if (mapPolicy) {
      const stack = Stack.of(machine);
      const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
      const prefix = `arn:${shown(stack.partition, 'Partition')}:states:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}`;
      const name = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalIdOf(machine)}"}]}]}`;
      for (const suffix of [':*', '/*:*']) {
        Validations.of(mapPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${prefix}:execution:${name}${suffix}]`,
          reason:
            'The Distributed Map starts child executions of this state machine and reads their state: the ' +
            'resources are the executions of this one state machine, whose names Step Functions chooses at run time.',
        });
      }
    }
  }
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } } & object): string {
  const child = (construct as { node: { defaultChild?: { logicalId?: string } } }).node.defaultChild;
  return Stack.of(construct as never).getLogicalId(child as never);
}
