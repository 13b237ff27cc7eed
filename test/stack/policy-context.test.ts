/**
 * Context `policy` reaches the function with its PEM contents, not paths: bin/app.ts's reader inlines
 * the CA file, the stack puts the JSON beside the handler (afterBundling, run here for real with bash)
 * and its SHA-256 in the environment, and the handler's loader reads it back as the same policy.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { portablePolicy } from '../../lambdas/policy-file/context-policy';
import { loadShippedPolicy } from '../../lambdas/policy-file/shipped-policy';
import { readHandlerConfig } from '../../lambdas/settings/handler-config';
import { CertwatchStack } from '../../lib/certwatch-stack';
import { WATCH_HANDLER_BUNDLING, watchHandlerBundling } from '../../lib/function-settings';
import { ACCOUNT, REGION } from './synth';

const ROOT = join(__dirname, '..', '..');
const ROOT_PEM = readFileSync(join(__dirname, '..', 'fixtures', 'google', 'roots', 'GTS_Root_R1.pem'), 'utf8');
const CDK_CONTEXT = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: object })
  .context;

describe('context policy: file → portable JSON → bundle → handler', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-policy-ctx-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines the CA file of a YAML policy, ships it beside index.js and loads it back in the handler', () => {
    // Prepare
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'roots.pem'), ROOT_PEM);
    writeFileSync(join(dir, 'conf', 'policy.yaml'), 'policies:\n  - targets: ["*"]\n    ca: roots.pem\n');
    const out = join(dir, 'bundle');
    mkdirSync(out);

    // Act
    const policy = portablePolicy({ file: 'conf/policy.yaml' }, dir);
    const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new CertwatchStack(app, 'Certwatch', {
      env: { account: ACCOUNT, region: REGION },
      consumerPolicy: policy,
    });
    const template = Template.fromStack(stack);
    const hooks = watchHandlerBundling(policy.json).commandHooks;
    for (const command of hooks?.afterBundling(join(__dirname, '..', '..'), out) ?? [])
      execFileSync('bash', ['-c', command]);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const env = fn.Properties.Environment.Variables as Record<string, string>;
    const config = readHandlerConfig({
      ...env,
      CERTWATCH_TABLE_NAME: 'Certwatch-History',
      CERTWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
    });
    const loaded = loadShippedPolicy(config.policySha256 as string, join(out, 'data'));

    // Assess
    expect(policy.json).not.toContain('roots.pem');
    expect(env.CERTWATCH_POLICY_SHA256).toBe(policy.sha256);
    expect(readFileSync(join(out, 'data', 'consumer-policy.json'), 'utf8')).toBe(policy.json);
    expect(loaded.policies[0].ca?.pem).toBe(ROOT_PEM);
    expect(readFileSync(join(out, 'data', 'pki-goog-roots.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('keeps the tree-shakeable pkijs step of the handler bundle when the bundle ships a policy', () => {
    // Prepare
    const policy = portablePolicy({ document: { policies: [{ targets: ['*'], pins: ['ab'.repeat(32)] }] } }, dir);

    // Act
    const bundling = watchHandlerBundling(policy.json);

    // Assess
    expect(bundling.esbuildArgs).toEqual(WATCH_HANDLER_BUNDLING.esbuildArgs);
    expect(bundling.commandHooks?.beforeBundling(ROOT, dir)).toEqual([
      expect.stringContaining(`${ROOT}/scripts/shakeable-pki.mjs`),
    ]);
  });

  it('refuses a shipped file whose digest is not the deployed one', () => {
    const policy = portablePolicy({ document: { policies: [{ targets: ['*'], pins: ['ab'.repeat(32)] }] } }, dir);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'consumer-policy.json'), policy.json.replace('ab', 'cd'));

    expect(() => loadShippedPolicy(policy.sha256, join(dir, 'data'))).toThrow(/is not the .* the stack deployed/);
  });

  it('names the entry of a bad context policy', () => {
    expect(() => portablePolicy({ document: { policies: [{ targets: ['*'], pins: ['xyz'] }] } }, dir)).toThrow(
      'context policy: policy 1, pins[0] "xyz"',
    );
    expect(() => portablePolicy({ file: 'missing.yaml' }, dir)).toThrow('context policy: cannot read (ENOENT)');
  });
});
