/**
 * Context parsing and validation: defaults, the accepted forms (`-c` strings and cdk.json values), and
 * a clear error for each kind of bad value, raised while the stack is built (before anything deploys).
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_TARGET_URLS } from '../../lambdas/core/targets';
import { ConfigError } from '../../lambdas/settings/config-error';
import { type ContextKey, parseStackConfig } from '../../lib/stack-config';
import { synth } from './synth';

const parse = (context: Partial<Record<ContextKey, unknown>>) => parseStackConfig((key) => context[key]);

/** The error a context raises, for message assertions. */
function errorOf(context: Partial<Record<ContextKey, unknown>>): ConfigError {
  try {
    parse(context);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(context)}`);
}

describe('defaults', () => {
  test('an empty context gives the documented defaults', () => {
    const config = parse({});
    expect(config).toMatchObject({
      targets: [...DEFAULT_TARGET_URLS],
      alertEmails: [],
      egress: 'none',
      logRetention: RetentionDays.THREE_MONTHS,
      probeTimeoutMs: 10_000,
      keyTypes: ['rsa', 'ecdsa'],
      trust: 'node',
      watch: {
        expiryThresholdsDays: [21, 14, 7, 3, 1],
        staleAfterCycles: 3,
        staleAfterHours: 48,
        failingAfter: 3,
        rotationOverdueShare: 0.75,
      },
    });
    expect(config.schedule.toMinutes()).toBe(15);
    expect(config.vpcId).toBeUndefined();
    expect(config.dns).toEqual([]);
  });

  test('dns takes ADDR[:PORT] servers, the same form as --dns and CERTWATCH_DNS', () => {
    expect(parse({ dns: '10.0.0.2,10.0.0.3:5353' }).dns).toEqual(['10.0.0.2', '10.0.0.3:5353']);
  });
});

describe('accepted forms', () => {
  test('lists come as comma-separated -c strings, JSON array strings, or cdk.json arrays', () => {
    const fromString = parse({ alertEmail: 'a@example.com, b@example.com', expiryThresholdsDays: '30,7' });
    const fromJsonString = parse({ alertEmail: '["a@example.com","b@example.com"]', expiryThresholdsDays: '[30, 7]' });
    const fromArray = parse({ alertEmail: ['a@example.com', 'b@example.com'], expiryThresholdsDays: [7, 30] });
    for (const config of [fromString, fromJsonString, fromArray]) {
      expect(config.alertEmails).toEqual(['a@example.com', 'b@example.com']);
      expect(config.watch.expiryThresholdsDays).toEqual([30, 7]);
    }
  });

  test('targets are canonicalised and de-duplicated', () => {
    expect(
      parse({ targets: 'smtps://SMTP.example.com, smtp://mx.example.com:587, smtps://smtp.example.com:465' }).targets,
    ).toEqual(['smtps://smtp.example.com:465', 'smtp://mx.example.com:587']);
  });

  test('schedules are rates in minutes, hours or days, singular or plural', () => {
    const minutes = (schedule: string) => parse({ schedule }).schedule.toMinutes();
    expect(minutes('rate(5 minutes)')).toBe(5);
    expect(minutes('rate(1 hour)')).toBe(60);
    expect(minutes('rate(12 hours)')).toBe(720);
  });

  test('a vpcId implies egress vpc', () => {
    expect(parse({ vpcId: 'vpc-0123456789abcdef0' })).toMatchObject({ egress: 'vpc', vpcId: 'vpc-0123456789abcdef0' });
  });
});

describe('clear errors', () => {
  test.each<[string, Partial<Record<ContextKey, unknown>>, string, RegExp]>([
    [
      'a cron schedule',
      { schedule: 'cron(0 * * * ? *)' },
      'schedule',
      /must be rate\(N minutes\).*cron is not supported/,
    ],
    [
      'a schedule faster than 5 minutes',
      { schedule: 'rate(1 minute)' },
      'schedule',
      /from rate\(5 minutes\) to rate\(12 hours\)/,
    ],
    [
      'a schedule slower than 12 hours',
      { schedule: 'rate(2 days)' },
      'schedule',
      /from rate\(5 minutes\) to rate\(12 hours\)/,
    ],
    [
      'a bad e-mail',
      { alertEmail: 'ops@example.com,not-an-address' },
      'alertEmail',
      /"not-an-address" is not an e-mail address/,
    ],
    ['a bad target scheme', { targets: 'https://mail.example.com' }, 'targets', /scheme "https" is not supported/],
    ['a bad target port', { targets: 'smtp://mail.example.com:70000' }, 'targets', /port must be 1-65535|not a URL/],
    ['an empty target value', { targets: '' }, 'targets', /context targets is empty/],
    ['an empty target list', { targets: [] }, 'targets', /at least one/],
    [
      'the old retireAfterCycles name',
      { retireAfterCycles: '3' },
      'retireAfterCycles',
      /replaced by staleAfterCycles .* and staleAfterHours/,
    ],
    [
      'a threshold of zero days',
      { expiryThresholdsDays: '14,0' },
      'expiryThresholdsDays',
      /threshold 0 must be a number of days/,
    ],
    [
      'a threshold that is no number',
      { expiryThresholdsDays: '14,soon' },
      'expiryThresholdsDays',
      /"soon" is not a number/,
    ],
    ['a rotation share of 1', { rotationOverdueShare: '1' }, 'rotationOverdueShare', /fraction in \(0, 1\)/],
    ['a fractional failingAfter', { failingAfter: '2.5' }, 'failingAfter', /whole number/],
    ['an unknown egress mode', { egress: 'nat' }, 'egress', /"none".*or "vpc"/],
    ['a vpcId with egress none', { vpcId: 'vpc-0123456789abcdef0', egress: 'none' }, 'vpcId', /cannot be combined/],
    ['a malformed vpcId', { vpcId: 'my-vpc' }, 'vpcId', /not a VPC id/],
    [
      'an unsupported log retention',
      { logRetentionDays: '10' },
      'logRetentionDays',
      /must be one of 1, 3, 5, 7, 14, 30/,
    ],
    ['an unknown key type', { keyTypes: 'rsa,dsa' }, 'keyTypes', /"dsa" is not one of rsa, ecdsa/],
    ['an unknown trust set', { trust: 'mozilla' }, 'trust', /"node".*or "google"/],
    ['a probe timeout too short', { probeTimeoutMs: 50 }, 'probeTimeoutMs', /from 100 to 300000/],
    [
      'a posture schedule faster than hourly',
      { posture: 'rate(15 minutes)' },
      'posture',
      /rate\(1 hour\) to rate\(7 days\)/,
    ],
    ['a posture schedule that is cron', { posture: 'cron(0 3 * * ? *)' }, 'posture', /"off" or rate/],
    ['an unknown posture rule', { postureRequire: 'min-version=TLS1.2,no-md5' }, 'postureRequire', /no-md5/],
    ['an unknown heartbeat', { heartbeat: 'daily' }, 'heartbeat', /"weekly" or "off"/],
    ['an unknown address family', { addressFamilies: '4,5' }, 'addressFamilies', /"5" is not 4 or 6/],
    ['a DNS server that is a name', { dns: 'dns.example.com' }, 'dns', /not ADDR\[:PORT\]/],
  ])('%s is refused, naming the key', (_what, context, key, message) => {
    const error = errorOf(context);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.spelling).toBe(key);
    expect(error.source).toBe('context');
    expect(error.message).toMatch(new RegExp(`^context ${key}\\b`));
    expect(error.message).toMatch(message);
  });

  test('only port-25 targets without a VPC are refused when the stack is built', () => {
    expect(() => synth({ targets: 'smtp://aspmx.l.google.com' })).toThrow(/every target is on port 25.*-c egress=vpc/);
  });
});

describe('function timeout', () => {
  test('comes from the schedule, not from the list: a list that grows at run time needs no redeploy', () => {
    // Act
    const few = synth({ posture: 'off' }, { quietPort25: true }).template;
    const many = synth(
      { targets: Array.from({ length: 400 }, (_, i) => `smtps://mx${i}.example.com`).join(','), posture: 'off' },
      { quietPort25: true },
    ).template;

    // Assess
    const timeouts = [few, many].map(
      (t) => Object.values(t.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Timeout)[0],
    );
    expect(timeouts[0]).toBe(timeouts[1]);
  });

  test('refuses a probe timeout under which one shard could not finish one target at worst', () => {
    expect(() => synth({ schedule: 'rate(5 minutes)', probeTimeoutMs: 60_000 })).toThrow(
      /probeTimeoutMs.*60000 ms probe timeout needs \d+ s for one target at worst.*5-minute schedule/,
    );
  });
});
