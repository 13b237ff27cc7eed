/**
 * Synthesizes the certwatch stack for assertions: the app gets cdk.json's context (the same feature flags
 * as `cdk synth`) plus the test's, a fixed account and region, and no bundling (the bundle has its own
 * end-to-end test, test/integration/handler-bundle.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CertwatchStack } from '../../lib/certwatch-stack';
import { PORT25_WARNING_ID } from '../../lib/egress';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

const CDK_CONTEXT = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: object })
  .context;

/** One synthesized configuration. */
export interface Synth {
  app: App;
  stack: CertwatchStack;
  template: Template;
}

/**
 * Synthesizes the stack with extra context (what `-c key=value` gives). Tests about other things than
 * egress may acknowledge the port-25 warning, which only keeps it off their output.
 */
export function synth(context: Record<string, unknown> = {}, options: { quietPort25?: boolean } = {}): Synth {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new CertwatchStack(app, 'Certwatch', { env: { account: ACCOUNT, region: REGION } });
  if (options.quietPort25) {
    Validations.of(stack).acknowledge({ id: `Annotation::${PORT25_WARNING_ID}`, reason: 'asserted in egress.test.ts' });
  }
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(s: Synth, construct: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(construct.node.defaultChild as never);
}

/** The topic ARN {@link deployedEnvironment} puts in place of the topic's reference. */
export const DEPLOYED_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:Certwatch-Notices';

/** The function's environment with CloudFormation references replaced by deploy-time values. */
export function deployedEnvironment(s: Synth): Record<string, string> {
  const [fn] = Object.values(s.template.findResources('AWS::Lambda::Function'));
  const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === 'string') resolved[name] = value;
    else if (name === 'CERTWATCH_TABLE_NAME') resolved[name] = 'Certwatch-History-ABC123';
    else if (name === 'CERTWATCH_TOPIC_ARN') resolved[name] = DEPLOYED_TOPIC_ARN;
    else throw new Error(`unexpected reference in ${name}`);
  }
  return resolved;
}
