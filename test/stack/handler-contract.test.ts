/**
 * The contract between the stack and the handler: the environment the stack synthesizes is exactly what
 * the handler's config reader accepts, and means the same settings; the metrics the handler emits are
 * the ones the dashboard draws.
 */

import { WATCH_METRICS } from '../../lambdas/contract/metrics';
import type { Observation } from '../../lambdas/core/observation';
import type { CycleResult } from '../../lambdas/run/cycle';
import { ConfigError } from '../../lambdas/settings/config-error';
import { readHandlerConfig } from '../../lambdas/watch/handler-config';
import { cycleMetrics } from '../../lambdas/watch/metrics';
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

test('the handler measures days to expiry per target URL and key type, as the dashboard draws them', () => {
  // Prepare
  const s = synth({}, { quietPort25: true });
  const now = new Date('2026-01-01T00:00:00Z');
  const target = 'smtps://smtp.gmail.com:465';
  const seen = (address: string, keyType: 'rsa' | 'ecdsa', notAfter: string) =>
    ({ target, address, keyType, ok: true, chain: [{ notAfter }] }) as unknown as Observation;
  const result = {
    observations: [
      seen('192.0.2.1', 'ecdsa', '2026-01-31T00:00:00Z'),
      seen('192.0.2.2', 'ecdsa', '2026-01-11T12:00:00Z'), // a rollout: this address still serves the old leaf
      seen('192.0.2.1', 'rsa', '2026-02-15T00:00:00Z'),
    ],
    notices: [],
    published: [],
    summary: { failedProbes: 0, publishFailures: [] },
  } as unknown as CycleResult;

  // Act
  const metrics = cycleMetrics(result, now);

  // Assess
  expect(metrics.expiry).toEqual([
    { target, keyType: 'ecdsa', days: 10.5 },
    { target, keyType: 'rsa', days: 45 },
  ]);
  const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboard.Properties.DashboardBody);
  for (const point of metrics.expiry) {
    expect(body).toContain(
      `\\"${WATCH_METRICS.daysToExpiry}\\",\\"keyType\\",\\"${point.keyType}\\",\\"service\\",\\"${WATCH_METRICS.service}\\",\\"target\\",\\"${point.target}\\"`,
    );
  }
});
