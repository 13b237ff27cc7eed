import { checkCliEnvironment, cliSettings, LAMBDA_ONLY_ENV } from '../../lambdas/cli/cli-settings';
import { ConfigError } from '../../lambdas/settings/config-error';
import { SETTINGS } from '../../lambdas/settings/table';

/** The variables the CLI reads (as the fallback of a flag, or on their own): a new one is classified here. */
const CLI_READS = [
  'CERTWATCH_SHARDS',
  'CERTWATCH_SHARD_WORKERS',
  'CERTWATCH_KEY_TYPES',
  'CERTWATCH_PROBE_TIMEOUT_MS',
  'CERTWATCH_CONCURRENCY',
  'CERTWATCH_TRUST',
  'CERTWATCH_ADDRESS_FAMILIES',
  'CERTWATCH_RESOLVE',
  'CERTWATCH_EHLO_NAME',
  'CERTWATCH_DNS',
  'CERTWATCH_EXTRA_CA_PEM',
  'CERTWATCH_PORT25_BLOCKED',
  'CERTWATCH_POSTURE_REQUIRE',
  'CERTWATCH_REVOCATION',
  'CERTWATCH_REVOCATION_MAX_BYTES',
  'CERTWATCH_EXPIRY_DAYS',
  'CERTWATCH_EXPIRY_LIFETIME_SHARE',
  'CERTWATCH_STALE_AFTER_CYCLES',
  'CERTWATCH_STALE_AFTER_HOURS',
  'CERTWATCH_MIX_WINDOW_HOURS',
  'CERTWATCH_RETIRE_SHARE_FLOOR',
  'CERTWATCH_ROLLOUT_SAMPLES',
  'CERTWATCH_PIN_UNUSED_AFTER_DAYS',
  'CERTWATCH_RETIRE_AFTER_CYCLES',
  'CERTWATCH_FAILING_AFTER',
  'CERTWATCH_ROTATION_OVERDUE_SHARE',
  'CERTWATCH_CT_LOGS',
  'CERTWATCH_CT_BACKFILL',
  'CERTWATCH_CT_MAX_ENTRIES',
  'CERTWATCH_CT_MAX_MEGABYTES',
  'CERTWATCH_CT_BUDGET_SECONDS',
  'CERTWATCH_CT_LOG_LIST_KEY',
  'CERTWATCH_EXPECT_ISSUERS',
];

describe('the CLI and the CERTWATCH_* environment', () => {
  it('classifies every variable of the settings table: read by the CLI, or the Lambda only', () => {
    // Prepare
    const lambdaOnly = Object.keys(LAMBDA_ONLY_ENV).map((name) => SETTINGS[name as keyof typeof SETTINGS].env);
    const all = Object.values(SETTINGS).flatMap((s) => (s.env ? [s.env] : []));

    // Assess
    expect([...CLI_READS, ...lambdaOnly].sort()).toEqual([...all].sort());
  });

  it('refuses a bad variable the CLI reads, naming it, and names those only the Lambda reads', () => {
    // Act + Assess
    expect(() => checkCliEnvironment({ CERTWATCH_KEY_TYPES: 'dsa' })).toThrow(ConfigError);
    expect(checkCliEnvironment({ CERTWATCH_TOPIC_ARN: 'x', CERTWATCH_TARGETS: 'y' })).toMatch(
      /^ignored by the CLI: CERTWATCH_TARGETS \(read by the Lambda function only: .*\); CERTWATCH_TOPIC_ARN \(/,
    );
    expect(checkCliEnvironment({ CERTWATCH_KEY_TYPES: 'rsa', CERTWATCH_OTHER_TOOL: 'x' })).toBeNull();
  });

  it('takes the flag over the variable, and the variable over the default', () => {
    // Act
    const flag = cliSettings({ timeout: '2000' }, { CERTWATCH_PROBE_TIMEOUT_MS: '3000' })(SETTINGS.probeTimeoutMs);
    const env = cliSettings({}, { CERTWATCH_PROBE_TIMEOUT_MS: '3000' })(SETTINGS.probeTimeoutMs);
    const none = cliSettings({}, {})(SETTINGS.probeTimeoutMs);

    // Assess
    expect([flag, env, none]).toEqual([2000, 3000, SETTINGS.probeTimeoutMs.default]);
  });
});
