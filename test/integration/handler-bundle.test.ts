/**
 * The deployed artefact, end to end: the handler bundle from a real synth of the stack (the real esbuild
 * output, with the environment the stack gives it) is loaded in-process and invoked once against the
 * embedded DynamoDB engine and real loopback SMTP servers. SNS is the one AWS-only service: it is mocked
 * at the SDK boundary with aws-sdk-client-mock (the bundle keeps @aws-sdk external, as in Lambda). The same
 * bundle is held to its size budget (≤ 600 kB minified, docs/performance.md; its init time is a figure of
 * `npm run bench`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { noticeDocs } from '../../lambdas/core/notices/kind';
import { EXPIRED } from '../../lambdas/core/notices/types/expired';
import { DEFAULT_TARGET_URLS } from '../../lambdas/core/targets';
import type { CycleSummary } from '../../lambdas/run/cycle';
import { createChain, createRoot, type Issued } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { bundleWorld, captureMetrics, lambdaContext } from './bundle-harness';

const HOST = 'mx.bundle.test';

type Handler = (event: unknown, context: Context) => Promise<CycleSummary>;

const world = bundleWorld('certwatch-bundle-test');
const context = lambdaContext('certwatch-bundle-test');
const { sns } = world;
let root: Issued;
let servers: SmtpTestServer[] = [];

beforeAll(async () => {
  await world.start();
  root = await createRoot({ name: 'Bundle Test Root', keyType: 'ecdsa' });
  const rsa = await createChain({ keyType: 'rsa', hostnames: [HOST], root, tag: 'bundle-rsa' });
  const ecdsa = await createChain({ keyType: 'ecdsa', hostnames: [HOST], root, tag: 'bundle-ecdsa' });
  const certs = [rsa, ecdsa].map((c) => ({ keyPem: c.leaf.keyPem, chainPem: c.chainPem }));
  servers = [
    await startSmtpTestServer({ certs, greeting: HOST, mode: 'starttls' }),
    await startSmtpTestServer({ certs, greeting: HOST, mode: 'implicit' }),
  ];
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await world.stop();
});

/** Points the stack's environment at the loopback servers, the embedded store and the mocked topic. */
function bundleEnvironment(): Record<string, string> {
  const [starttls, implicit] = servers;
  return world.environment({
    targets: [`smtp://${HOST}:${starttls.port}`, `smtps://${HOST}:${implicit.port}`],
    resolve: servers.map((s) => `${HOST}:${s.port}:127.0.0.1`),
    rootPem: root.certPem,
  });
}

test('the synthesized handler bundle runs one cycle on dynalite and loopback SMTP servers and publishes a BASELINE (SNS mocked with aws-sdk-client-mock)', async () => {
  // Prepare
  sns.on(PublishCommand).resolves({ MessageId: 'mocked-message' });
  const [starttlsUrl, implicitUrl] = servers.map((s) => `${s === servers[0] ? 'smtp' : 'smtps'}://${HOST}:${s.port}`);
  // One target marked for its own expiry metric in the context list, the other on the watch list.
  Object.assign(process.env, bundleEnvironment(), { CERTWATCH_METRIC_TARGETS: starttlsUrl });
  await world.store.store.addWatchTargets([implicitUrl], 'cli', new Date(), { reactivate: false });
  await world.store.store.setWatchMetric(implicitUrl, true);
  let summary: CycleSummary | undefined;
  const handler = world.handler() as Handler;

  // Act
  const metrics = await captureMetrics(async () => {
    summary = await handler({ source: 'aws.scheduler' }, context);
  });

  // Assess
  expect(summary).toMatchObject({ targets: 2, observations: 4, failedProbes: 0, unsaved: [] });
  const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  expect(published).toHaveLength(1);
  expect(published[0]).toMatchObject({
    TopicArn: world.topicArn,
    MessageAttributes: {
      type: { DataType: 'String', StringValue: 'BASELINE' },
      severity: { DataType: 'String', StringValue: 'info' },
    },
  });

  const doc = DynamoDBDocumentClient.from(world.store.client);
  for (const server of servers) {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: world.store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TARGET#${server.url.replace('127.0.0.1', HOST)}` },
      }),
    );
    const sks = Items.map((item) => item.sk as string);
    expect(sks).toContain('STATE');
    expect(sks.filter((sk) => sk.startsWith('CERT#')).length).toBeGreaterThanOrEqual(2);
  }
  const { Items: outbox = [] } = await doc.send(
    new QueryCommand({
      TableName: world.store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'OUTBOX' },
    }),
  );
  expect(outbox.map((item) => [item.type, item.status])).toEqual([['BASELINE', 'sent']]);

  expect(metrics.map((m) => m.name)).toEqual(
    expect.arrayContaining([
      'CycleSucceeded',
      'MinDaysToExpiry',
      'Targets',
      'DaysToExpiry',
      'ProbeFailures',
      'Notices',
    ]),
  );
  expect(metrics.find((m) => m.name === 'CycleSucceeded')?.value).toBe(1);
  expect(metrics.filter((m) => m.name === 'Targets').map((m) => [m.dimensions.state, m.value])).toEqual(
    expect.arrayContaining([
      ['ok', 2],
      ['failing', 0],
    ]),
  );
  expect(
    metrics
      .filter((m) => m.name === 'DaysToExpiry')
      .map((m) => `${m.dimensions.target} ${m.dimensions.keyType}`)
      .sort(),
  ).toEqual([`${implicitUrl} ecdsa`, `${implicitUrl} rsa`, `${starttlsUrl} ecdsa`, `${starttlsUrl} rsa`].sort());
});

test('the synthesized handler bundle fails the invocation when the table is missing, so Lambda retries it (counted a failed step: a direct invocation)', async () => {
  // Prepare
  Object.assign(process.env, bundleEnvironment(), { CERTWATCH_TABLE_NAME: 'no-such-table' });
  const handler = world.handler({ fresh: true }) as Handler;
  let failure: unknown;

  // Act
  const metrics = await captureMetrics(async () => {
    failure = await handler({ source: 'aws.scheduler' }, context).then(
      () => undefined,
      (error: unknown) => error,
    );
  });

  // Assess
  expect(failure).toMatchObject({ name: 'StoreError', message: expect.stringMatching(/no-such-table|not found/i) });
  expect(metrics.map(({ name, value }) => ({ name, value }))).toEqual([
    { name: 'CycleSucceeded', value: 0 },
    { name: 'StepFailed', value: 1 },
  ]);
});

test('the synthesized handler bundle runs a posture cycle on { kind: posture } and keeps the posture in the table', async () => {
  // Prepare
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'mocked-message' });
  Object.assign(process.env, bundleEnvironment());
  const handler = world.handler() as Handler;
  let summary: unknown;

  // Act
  await captureMetrics(async () => {
    summary = await handler({ kind: 'posture' }, context);
  });

  // Assess
  expect(summary).toMatchObject({ kind: 'posture', addresses: 2, incomplete: 0, notices: 0 });
  const doc = DynamoDBDocumentClient.from(world.store.client);
  const { Items = [] } = await doc.send(
    new QueryCommand({
      TableName: world.store.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `TARGET#smtp://${HOST}:${servers[0].port}`, ':sk': 'POSTURE' },
    }),
  );
  expect(Items).toHaveLength(1);
  expect(Items[0].postures['127.0.0.1'].posture.versions['TLSv1.3'].accepted).toBe(true);
});

test('the synthesized handler bundle ships the pki.goog root bundle beside index.js for --trust google', () => {
  // Act
  const pem = readFileSync(join(dirname(world.bundle.file), 'data', 'pki-goog-roots.pem'), 'utf8');

  // Assess
  expect(pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(36);
});

test('the synthesized handler bundle validates with --trust google from the pki.goog bundle it ships', async () => {
  // Prepare
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'mocked-message' });
  Object.assign(process.env, bundleEnvironment(), { CERTWATCH_TRUST: 'google' });
  const handler = world.handler({ fresh: true }) as Handler;
  let summary: CycleSummary | undefined;

  // Act
  await captureMetrics(async () => {
    summary = await handler({ source: 'aws.scheduler' }, context);
  });

  // Assess
  expect(summary).toMatchObject({ targets: 2, observations: 4, failedProbes: 0, critical: 0, unsaved: [] });
});

test('the synthesized handler bundle ships the deployed target list beside index.js, not in its environment', () => {
  // Act
  const shipped = readFileSync(join(dirname(world.bundle.file), 'data', 'watch-targets.txt'), 'utf8')
    .trim()
    .split('\n');

  // Assess
  expect(shipped).toEqual(DEFAULT_TARGET_URLS.filter((url) => !url.endsWith(':25')));
  expect(world.bundle.environment.CERTWATCH_TARGETS).toBeUndefined();
});

test('the synthesized handler bundle runs the state machine steps: plan, each shard, merge', async () => {
  // Prepare
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'mocked-message' });
  Object.assign(process.env, bundleEnvironment());
  const handler = world.handler();
  let plan: { runId: string; now: string; shardCount: number; shards: number[] } | undefined;
  const shards: unknown[] = [];
  let merged: unknown;

  // Act
  await captureMetrics(async () => {
    plan = (await handler({ kind: 'plan' }, context)) as typeof plan;
    for (const shard of plan?.shards ?? []) {
      shards.push(
        await handler(
          { kind: 'shard', runId: plan?.runId, now: plan?.now, shard, shardCount: plan?.shardCount },
          context,
        ),
      );
    }
    merged = await handler({ kind: 'merge', runId: plan?.runId, now: plan?.now }, context);
  });

  // Assess
  expect(plan?.shards).toEqual([0]);
  expect(shards).toEqual([expect.objectContaining({ targets: 2, failedProbes: 0 })]);
  expect(merged).toMatchObject({ runId: plan?.runId, baselineTargets: 0 });
});

test('the synthesized handler bundle stays within the 600 kB cold-start budget', () => {
  // Act
  const bytes = statSync(world.bundle.file).size;

  // Assess
  expect(bytes).toBeLessThanOrEqual(600_000);
});

test('the synthesized handler bundle leaves out the pkijs classes the handler never reaches (tree-shaken copy)', () => {
  // Prepare: the published pkijs names its PKCS#12 container class in a static block, so an unshaken copy carries it
  const published = readFileSync(require.resolve('pkijs'), 'utf8');

  // Act
  const code = readFileSync(world.bundle.file, 'utf8');

  // Assess
  expect(published).toContain('this.CLASS_NAME = "PFX"');
  expect(code.includes('"PFX"')).toBe(false);
  expect(code.includes('"Certificate"')).toBe(true);
});

test("the synthesized handler bundle leaves out the notice catalogue's words (they are docs/notices.md's)", () => {
  // Prepare: a type's `when` and a field's description, as the catalogue gives them to the docs
  const docs = noticeDocs(EXPIRED);

  // Act
  const code = readFileSync(world.bundle.file, 'utf8');

  // Assess
  expect(code.includes(docs.when)).toBe(false);
  expect(code.includes(docs.fields.addresses)).toBe(false);
  expect(code.includes('EXPIRED#')).toBe(true);
});

test('the synthesized handler bundle reports errors at their TypeScript source lines (source map and NODE_OPTIONS of the stack)', () => {
  // Prepare: an invalid table name fails the handler's module init, in a fresh process as Lambda runs it
  const env = {
    PATH: process.env.PATH,
    ...world.bundle.environment,
    CERTWATCH_TABLE_NAME: 'x',
    CERTWATCH_TOPIC_ARN: world.topicArn,
  };

  // Act
  const child = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', world.bundle.file], {
    env,
    encoding: 'utf8',
  });

  // Assess
  expect(world.bundle.environment.NODE_OPTIONS).toBe('--enable-source-maps');
  expect(child.status).not.toBe(0);
  expect(child.stderr).toMatch(/at readValue \(\S*lambdas\/settings\/read\.ts:\d+:\d+\)/);
});

test('the synthesized handler bundle leaves out a target whose stored policy no longer reads, logs it, and watches the others', async () => {
  // Prepare: the STARTTLS target carries a stored policy that does not parse
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'mocked-message' });
  Object.assign(process.env, bundleEnvironment());
  const handler = world.handler() as Handler;
  const bad = `smtp://${HOST}:${servers[0].port}`;
  await handler({ kind: 'plan' }, context); // the list exists before the policy is set on it
  await world.store.store.setWatchPolicy(bad, { policies: [{ targets: ['*'], pins: ['not-a-pin'] }] });
  let summary: CycleSummary | undefined;
  const logs: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  };
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const writeError = jest.spyOn(process.stderr, 'write').mockImplementation(capture);

  // Act
  try {
    summary = await handler({ source: 'aws.scheduler' }, context);
  } finally {
    write.mockRestore();
    writeError.mockRestore();
    await world.store.store.setWatchPolicy(bad, null);
  }

  // Assess
  expect(summary?.problems).toEqual([{ target: bad, message: expect.stringMatching(/stored consumer policy/) }]);
  expect(summary).toMatchObject({ targets: 1, observations: 2, failedProbes: 0 });
  const leftOut = logs.filter((line) => line.includes('watch-list entry left out'));
  expect(leftOut).toHaveLength(1);
  expect(leftOut[0]).toContain(bad);
});

test('the synthesized handler bundle counts a failed step only on its last attempt (FunctionErrors ignores what a retry recovers)', async () => {
  // Prepare: the table is missing, so every step fails
  Object.assign(process.env, bundleEnvironment(), { CERTWATCH_TABLE_NAME: 'no-such-table' });
  const handler = world.handler({ fresh: true }) as Handler;
  const shard = { kind: 'shard', mode: 'watch', runId: 'r', now: new Date().toISOString(), shard: 0, shardCount: 1 };
  const invoke = (attempt: number) =>
    captureMetrics(async () => {
      await handler({ ...shard, attempt, attempts: 2 }, context).catch(() => undefined);
    });

  // Act
  const first = await invoke(0);
  const last = await invoke(1);

  // Assess
  expect(first).toEqual([]);
  expect(last.map(({ name, value }) => ({ name, value }))).toEqual([{ name: 'StepFailed', value: 1 }]);
});
