import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The certwatch stack. The watcher's resources (schedule, function, table, topic, alarms) are built
 * by the stack issue; for now the app synthesizes an empty stack so `cdk synth` works offline.
 */
export class CertwatchStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
  }
}
