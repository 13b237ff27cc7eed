#!/usr/bin/env node
/**
 * The CDK app: `npx cdk deploy -c alertEmail=ops@example.com`. Every setting comes from context
 * (docs/deploy.md); cdk-nag's AwsSolutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { portablePolicy } from '../lambdas/policy-file/context-policy';
import { ConfigError } from '../lambdas/settings/config-error';
import { contextReader } from '../lambdas/settings/read';
import { SETTINGS } from '../lambdas/settings/table';
import { CertwatchStack } from '../lib/certwatch-stack';

const app = new App();
try {
  // Context `policy` names a file (or is the document): read here, at synth, and shipped with its PEM.
  const policySource = contextReader((key) => app.node.tryGetContext(key))(SETTINGS.policy);
  new CertwatchStack(app, 'Certwatch', {
    description: 'certwatch: watches the TLS certificates SMTP servers present',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    ...(policySource ? { consumerPolicy: portablePolicy(policySource) } : {}),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`certwatch: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
