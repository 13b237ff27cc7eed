/**
 * The watcher construct validates its properties through the settings table: the same ranges as the
 * CLI, the environment and context, with the error naming the property.
 */
import { Duration } from 'aws-cdk-lib';
import { ConfigError } from '../../lambdas/settings/config-error';
import { CertificateWatcher } from '../../lib/certificate-watcher';
import type { CertificateWatcherProps } from '../../lib/watcher-settings';
import { bareStack } from './parts';

const build = (props: CertificateWatcherProps) => () => new CertificateWatcher(bareStack(), 'Watcher', props);

test.each<[string, CertificateWatcherProps, RegExp]>([
  [
    'a 5 ms probe timeout',
    { probeTimeoutMs: 5 },
    /^CertificateWatcher probeTimeoutMs=5: must be a whole number from 100 to 300000$/,
  ],
  ['a failingAfter of 0', { watchConfig: { failingAfter: 0 } }, /^CertificateWatcher watchConfig\.failingAfter=0: /],
  [
    'an unknown key type',
    { keyTypes: ['dsa' as never] },
    /^CertificateWatcher keyTypes=\["dsa"\]: "dsa" is not one of rsa, ecdsa$/,
  ],
  ['a bad e-mail', { alertEmails: ['nobody'] }, /^CertificateWatcher alertEmails=.*"nobody" is not an e-mail address$/],
  [
    'a 2-minute schedule',
    { schedule: Duration.minutes(2) },
    /^CertificateWatcher schedule=2: .*from rate\(5 minutes\)/,
  ],
  ['an unknown posture rule', { postureRequire: ['no-md5'] }, /^CertificateWatcher postureRequire=.*no-md5/],
  ['a vpc without egress vpc', { vpc: {} as never }, /^CertificateWatcher vpc: a vpc is only used with egress "vpc"$/],
])('refuses %s, naming the property', (_what, props, message) => {
  // Act
  const act = build(props);

  // Assess
  expect(act).toThrow(ConfigError);
  expect(act).toThrow(message);
});

test('refuses a probe timeout under which a shard cannot finish one target at worst, as the stack check says', () => {
  // Act
  const act = build({ probeTimeoutMs: 300_000 });

  // Assess: in range for the setting, but one target takes 2 × 300 s to resolve, its 8 probes and one more,
  // with its leaves' revocation fetches (2 key types × crl,ocsp) shared among 32 slots (docs/revocation.md).
  expect(act).toThrow(/probeTimeoutMs: a 300000 ms probe timeout needs 1013 s for one target at worst/);
});

test('refuses a probe timeout one target does not fit in an Express child at any schedule, naming the one that fits', () => {
  // Act: Lambda would give an hourly shard 900 s, but its Express child execution holds a 135 s function timeout
  const act = build({ probeTimeoutMs: 40_000, schedule: Duration.hours(1) });

  // Assess
  expect(act).toThrow(ConfigError);
  expect(act).toThrow(
    /probeTimeoutMs: a 40000 ms probe timeout needs 135 s for one target at worst, more than a shard has at any schedule: a shard runs as an Express child execution.*lower probeTimeoutMs to 36000 or less/,
  );
  expect(build({ probeTimeoutMs: 36_000, schedule: Duration.hours(1) })).not.toThrow();
});

test('accepts the defaults and applies them', () => {
  // Act
  const watcher = build({})();

  // Assess
  expect(watcher.probedTargets.map((t) => t.url)).toContain('smtps://smtp.gmail.com:465');
  expect(watcher.postureSchedule).toBeDefined();
});
