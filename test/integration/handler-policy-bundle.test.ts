/**
 * Context `policy` end to end through the deployed artefact: a stack synthesized with a consumer policy
 * (real esbuild bundling, the policy written beside index.js by the afterBundling hook, its SHA-256 in
 * the environment) is loaded in-process and invoked against the embedded DynamoDB engine and a real
 * loopback SMTP server. SNS is mocked at the SDK boundary (aws-sdk-client-mock), as in handler-bundle.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { portablePolicy } from '../../lambdas/policy-file/context-policy';
import type { CycleSummary } from '../../lambdas/run/cycle';
import { createChain, createRoot, type Issued, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { bundleWorld, captureMetrics, lambdaContext } from './bundle-harness';

const HOST = 'mx.policy-bundle.test';
type Handler = (event: unknown, context: Context) => Promise<CycleSummary>;

const world = bundleWorld('certwatch-policy-bundle');
const context = lambdaContext('policy-bundle-test');
const { sns } = world;
let root: Issued;
let rsa: TestChain;
let ecdsa: TestChain;
let server: SmtpTestServer;

beforeAll(async () => {
  root = await createRoot({ name: 'Policy Bundle Root', keyType: 'ecdsa' });
  rsa = await createChain({ keyType: 'rsa', hostnames: [HOST], root, tag: 'policy-bundle-rsa' });
  ecdsa = await createChain({ keyType: 'ecdsa', hostnames: [HOST], root, tag: 'policy-bundle-ecdsa' });
  // The consumer pinned the RSA leaf only: the ECDSA leaf is refused.
  const policy = portablePolicy({ document: { policies: [{ targets: ['*'], pins: [rsa.leaf.sha256] }] } });
  await world.start({ consumerPolicy: policy });
  const certs = [rsa, ecdsa].map((c) => ({ keyPem: c.leaf.keyPem, chainPem: c.chainPem }));
  server = await startSmtpTestServer({ certs, greeting: HOST, mode: 'starttls' });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await world.stop();
});

test('a bundle synthesized with context policy judges each chain and publishes POLICY_MISMATCH for the refused leaf', async () => {
  // Prepare
  sns.on(PublishCommand).resolves({ MessageId: 'mocked' });
  Object.assign(
    process.env,
    world.environment({
      targets: [`smtp://${HOST}:${server.port}`],
      resolve: [`${HOST}:${server.port}:127.0.0.1`],
      rootPem: root.certPem,
    }),
  );
  const handler = world.handler() as Handler;
  let summary: CycleSummary | undefined;

  // Act
  await captureMetrics(async () => {
    summary = await handler({ source: 'aws.scheduler' }, context);
  });

  // Assess
  expect(world.bundle.environment.CERTWATCH_POLICY_SHA256).toMatch(/^[0-9a-f]{64}$/);
  expect(summary).toMatchObject({ observations: 2, failedProbes: 0, critical: 1 });
  const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  const types = published.map((p) => p.MessageAttributes?.type?.StringValue);
  expect(types).toEqual(['BASELINE', 'POLICY_MISMATCH']);
  const mismatch = JSON.parse(JSON.parse(published[1].Message as string).default);
  expect(mismatch.facts.keyType).toBe('ecdsa');
  expect(mismatch.facts.cert.sha256).toBe(ecdsa.leaf.sha256);
  expect(mismatch.facts.remedy.postfix.lines[0]).toContain(`[${HOST}]:${server.port} fingerprint match=`);
});
