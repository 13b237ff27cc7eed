import { App } from 'aws-cdk-lib';
import { CertwatchStack } from '../lib/certwatch-stack';

const app = new App();
new CertwatchStack(app, 'Certwatch', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
