/**
 * The contract between the stack and the handler: the environment the stack synthesizes is exactly what
 * the handler's config reader accepts, and means the same settings; the metrics the handler emits are
 * the ones the dashboard draws.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { EXPIRY_LOG, WATCH_METRICS } from '../../lambdas/contract/metrics';
import type { Observation } from '../../lambdas/core/observation';
import type { CycleResult } from '../../lambdas/run/cycle';
import { ConfigError } from '../../lambdas/settings/config-error';
import { readHandlerConfig } from '../../lambdas/settings/handler-config';
import { cycleMetrics, expiryLogLines, recordCycleMetrics } from '../../lambdas/watch/metrics';
import { DEPLOYED_TOPIC_ARN, deployedEnvironment, synth } from './synth';

const TOPIC_ARN = DEPLOYED_TOPIC_ARN;

test('the handler reads the default stack environment as the default settings', () => {
  // Prepare
  const env = deployedEnvironment(synth({}, { quietPort25: true }));

  // Act
  const config = readHandlerConfig(env);

  // Assess
  expect(config.tableName).toBe('Certwatch-History-ABC123');
  expect(config.topicArn).toBe(TOPIC_ARN);
  // No target list in the environment: the stack ships it beside the handler (data/watch-targets.txt).
  expect(env.CERTWATCH_TARGETS).toBeUndefined();
  expect(config.probeOptions).toMatchObject({
    keyTypes: ['rsa', 'ecdsa'],
    timeoutMs: 10_000,
    trust: 'node',
    port25Blocked: true,
    resolve: [],
  });
  expect(config.probeOptions.extraAnchorsDer).toBeUndefined();
  expect(config.dynamodbEndpoint).toBeUndefined();
  expect(config.watch).toEqual({
    expiryThresholdsDays: [21, 14, 7, 3, 1],
    expiryLifetimeShare: 1 / 3,
    staleAfterCycles: 3,
    staleAfterHours: 48,
    mixWindowHours: 24,
    retireShareFloor: 0.05,
    rolloutSamples: 4,
    pinUnusedAfterDays: 7,
    failingAfter: 3,
    rotationOverdueShare: 0.75,
  });
});

test('the handler reads customised context settings as the stack meant them', () => {
  // Prepare
  const env = deployedEnvironment(
    synth({
      egress: 'vpc',
      targets: 'smtp://mx.example.com, smtps://smtp.example.com',
      expiryThresholdsDays: '30,10',
      failingAfter: '5',
      staleAfterCycles: '4',
      staleAfterHours: '36',
      mixWindowHours: '12',
      retireShareFloor: '0.1',
      rolloutSamples: '3',
      pinUnusedAfterDays: '14',
      rotationOverdueShare: '0.8',
      keyTypes: 'ecdsa',
      trust: 'google',
      probeTimeoutMs: '4000',
      postureRequire: 'min-version=TLS1.2,no-3des',
      heartbeat: 'weekly',
    }),
  );

  // Act
  const config = readHandlerConfig(env);

  // Assess
  expect(env.CERTWATCH_TARGETS).toBeUndefined();
  expect(config.probeOptions).toMatchObject({
    keyTypes: ['ecdsa'],
    timeoutMs: 4000,
    trust: 'google',
    port25Blocked: false,
  });
  expect(config.watch).toEqual({
    expiryThresholdsDays: [30, 10],
    expiryLifetimeShare: 1 / 3,
    staleAfterCycles: 4,
    staleAfterHours: 36,
    mixWindowHours: 12,
    retireShareFloor: 0.1,
    rolloutSamples: 3,
    pinUnusedAfterDays: 14,
    failingAfter: 5,
    rotationOverdueShare: 0.8,
  });
  expect(config.postureRules.map((r) => r.text)).toEqual(['min-version=TLS1.2', 'no-3des']);
  expect(config.probeOptions.addressFamilies).toEqual([4]);
  expect(config.heartbeat).toBe('weekly');
});

test.each<[string, Record<string, string>, string]>([
  ['a missing table name', { CERTWATCH_TABLE_NAME: '' }, 'CERTWATCH_TABLE_NAME'],
  ['an unparseable target', { CERTWATCH_TARGETS: 'ftp://mx.example.com' }, 'CERTWATCH_TARGETS'],
  ['a bad threshold list', { CERTWATCH_EXPIRY_DAYS: '14,,7' }, 'CERTWATCH_EXPIRY_DAYS'],
  ['the replaced retirement setting', { CERTWATCH_RETIRE_AFTER_CYCLES: '3' }, 'CERTWATCH_RETIRE_AFTER_CYCLES'],
  ['a bad port-25 flag', { CERTWATCH_PORT25_BLOCKED: 'maybe' }, 'CERTWATCH_PORT25_BLOCKED'],
  ['an unknown posture rule', { CERTWATCH_POSTURE_REQUIRE: 'no-md5' }, 'CERTWATCH_POSTURE_REQUIRE'],
  ['an unknown address family', { CERTWATCH_ADDRESS_FAMILIES: '4,5' }, 'CERTWATCH_ADDRESS_FAMILIES'],
  ['a CA bundle without certificates', { CERTWATCH_EXTRA_CA_PEM: 'not pem' }, 'CERTWATCH_EXTRA_CA_PEM'],
  ['a failingAfter of zero', { CERTWATCH_FAILING_AFTER: '0' }, 'CERTWATCH_FAILING_AFTER'],
  ['an empty threshold list', { CERTWATCH_EXPIRY_DAYS: '' }, 'CERTWATCH_EXPIRY_DAYS'],
  ['a probe timeout out of range', { CERTWATCH_PROBE_TIMEOUT_MS: '99' }, 'CERTWATCH_PROBE_TIMEOUT_MS'],
])('the handler refuses %s at init, naming the variable', (_what, override, variable) => {
  // Prepare
  const env = {
    CERTWATCH_TABLE_NAME: 'certwatch',
    CERTWATCH_TOPIC_ARN: TOPIC_ARN,
    CERTWATCH_TARGETS: 'smtps://smtp.gmail.com:465',
    ...override,
  };

  // Act
  const read = () => readHandlerConfig(env);

  // Assess
  expect(read).toThrow(ConfigError);
  expect(read).toThrow(expect.objectContaining({ spelling: variable, source: 'env', code: 'CONFIG_INVALID' }));
  expect(read).toThrow(new RegExp(`^${variable}\\b`));
});

/** A cycle's result from observations only (what the metrics read). */
function cycleOf(observations: Observation[]): CycleResult {
  return {
    observations,
    notices: [],
    published: [],
    summary: { failedProbes: 0, publishFailures: [] },
  } as unknown as CycleResult;
}

/** The dashboard's widgets, its CloudFormation tokens written as `<token>`. */
// biome-ignore lint/suspicious/noExplicitAny: a CloudWatch dashboard body, read as plain JSON
function dashboardWidgets(s: ReturnType<typeof synth>): any[] {
  const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<token>')).join('')).widgets;
}

const seenAt =
  (target: string) =>
  (address: string, keyType: 'rsa' | 'ecdsa', notAfter: string): Observation =>
    ({ target, address, keyType, ok: true, chain: [{ notAfter }] }) as unknown as Observation;

test('the handler sums the list up per key type and per condition, as the dashboard draws it', () => {
  // Prepare
  const s = synth({}, { quietPort25: true });
  const now = new Date('2026-01-01T00:00:00Z');
  const gmail = seenAt('smtps://smtp.gmail.com:465');
  const relay = seenAt('smtps://smtp-relay.gmail.com:465');
  const old = seenAt('smtp://old.example:587');
  const failing = {
    target: 'smtp://down.example:587',
    keyType: 'rsa',
    ok: false,
    error: { code: 'CONNECT_TIMEOUT' },
    chain: [],
  } as unknown as Observation;
  const result = cycleOf([
    gmail('192.0.2.1', 'ecdsa', '2026-01-31T00:00:00Z'),
    gmail('192.0.2.2', 'ecdsa', '2026-01-11T12:00:00Z'), // a rollout: this address still serves the old leaf
    gmail('192.0.2.1', 'rsa', '2026-02-15T00:00:00Z'),
    relay('192.0.2.3', 'rsa', '2026-03-01T00:00:00Z'),
    old('192.0.2.4', 'rsa', '2025-12-31T00:00:00Z'),
    failing,
  ]);

  // Act
  const metrics = cycleMetrics(result, now, 21);

  // Assess
  expect(metrics.expiry).toEqual(
    expect.arrayContaining([
      { target: 'smtps://smtp.gmail.com:465', keyType: 'ecdsa', days: 10.5 },
      { target: 'smtps://smtp.gmail.com:465', keyType: 'rsa', days: 45 },
    ]),
  );
  expect(metrics.minDays).toEqual({ ecdsa: 10.5, rsa: -1 });
  expect(metrics.targets).toEqual({ expired: 1, expiring: 1, failing: 1, ok: 1 });
  const drawn = dashboardWidgets(s).flatMap((w) => w.properties.metrics ?? []);
  for (const keyType of Object.keys(metrics.minDays)) {
    expect(drawn).toContainEqual([
      WATCH_METRICS.namespace,
      WATCH_METRICS.minDaysToExpiry,
      'keyType',
      keyType,
      'service',
      WATCH_METRICS.service,
      expect.objectContaining({ stat: 'Minimum' }),
    ]);
  }
  for (const state of Object.keys(metrics.targets)) {
    expect(drawn).toContainEqual([
      WATCH_METRICS.namespace,
      WATCH_METRICS.targets,
      'service',
      WATCH_METRICS.service,
      'state',
      state,
      expect.objectContaining({ stat: 'Sum' }),
    ]);
  }
});

test("the handler logs one expiry line per target with the fields the dashboard's table reads", () => {
  // Prepare
  const s = synth({}, { quietPort25: true });
  const gmail = seenAt('smtps://smtp.gmail.com:465');
  const values = cycleMetrics(
    cycleOf([gmail('192.0.2.1', 'ecdsa', '2026-01-31T00:00:00Z'), gmail('192.0.2.1', 'rsa', '2026-02-15T00:00:00Z')]),
    new Date('2026-01-01T00:00:00Z'),
    21,
  );

  // Act
  const lines = expiryLogLines(values);

  // Assess
  expect(lines).toEqual([{ target: 'smtps://smtp.gmail.com:465', days: 30, ecdsa: 30, rsa: 45 }]);
  const [table] = dashboardWidgets(s).filter((w) => w.type === 'log');
  const query: string = table.properties.query;
  expect(query).toContain(`filter message = "${EXPIRY_LOG.message}"`);
  for (const field of Object.keys(lines[0]).filter((f) => f !== 'target')) expect(query).toContain(`latest(${field})`);
  expect(query).toContain('by target');
  expect(query).toContain('sort days asc');
});

test('a DaysToExpiry metric per target goes out for the marked targets only, under the dimensions the dashboard searches', () => {
  // Prepare
  const s = synth({}, { quietPort25: true });
  const marked = 'smtps://smtp.gmail.com:465';
  const result = cycleOf([
    seenAt(marked)('192.0.2.1', 'rsa', '2026-02-15T00:00:00Z'),
    seenAt('smtps://smtp-relay.gmail.com:465')('192.0.2.3', 'rsa', '2026-03-01T00:00:00Z'),
  ]);
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.includes('"_aws"')),
    );
    return true;
  });
  const metrics = new Metrics({ namespace: WATCH_METRICS.namespace, serviceName: WATCH_METRICS.service });

  // Act
  try {
    recordCycleMetrics(metrics, result, new Date('2026-01-01T00:00:00Z'), {
      expiringWithinDays: 21,
      marked: new Set([marked]),
    });
    metrics.publishStoredMetrics();
  } finally {
    write.mockRestore();
  }

  // Assess
  const perTarget = lines
    .map((line) => JSON.parse(line))
    .filter((emf) => emf._aws.CloudWatchMetrics[0].Metrics.some((m: { Name: string }) => m.Name === 'DaysToExpiry'));
  expect(perTarget).toHaveLength(1);
  expect(perTarget[0]).toMatchObject({
    target: marked,
    keyType: 'rsa',
    service: WATCH_METRICS.service,
    DaysToExpiry: 45,
  });
  expect(perTarget[0]._aws.CloudWatchMetrics[0].Dimensions[0].sort()).toEqual(['keyType', 'service', 'target']);
  const expressions = dashboardWidgets(s).flatMap((w) =>
    (w.properties.metrics ?? []).flatMap((m: unknown[]) =>
      m.map((part) => (part as { expression?: string }).expression),
    ),
  );
  expect(expressions).toContain(
    `SEARCH('{${WATCH_METRICS.namespace},keyType,service,target} MetricName="${WATCH_METRICS.daysToExpiry}"', 'Minimum', 3600)`,
  );
});
