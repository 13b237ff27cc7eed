/**
 * The cases of every setting for test/unit/settings.test.ts: what each accepts (with what it parses to,
 * range edges first) and what it refuses (with the reason the message gives). A new setting adds its case
 * here; the test fails while a setting has none.
 */
import type { SettingName } from '../../lambdas/settings/table';

const PEM = `-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUQ0m2W1xuz6fb1C2oHGa4Pf4cbA0wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJdGVzdC1yb290MB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAw
MDAwMFowFDESMBAGA1UEAwwJdGVzdC1yb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE7H8dc7Ea2Xl+1mE2Kx7ZBUCtXWQXa2iM3lUc4+Io6cBUrhbl9GZLKnqP
RSQr5yFZiWaGwJMV2ACrqxF9QpSxSqNTMFEwHQYDVR0OBBYEFJh9Jz1m2ZqIV3Ks
v8uB0p6xqgk3MB8GA1UdIwQYMBaAFJh9Jz1m2ZqIV3Ksv8uB0p6xqgk3MA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAKm7X6PpA6nR9bQ8l4m3B0Z1
3+4l7mOQjxQnJqJH5YQ6AiBvC7yFq1y5t1fY1m9b0q2k3b5rX5n2N8dWlZbJ3QW4Jg==
-----END CERTIFICATE-----`;

/** Per setting: accepted values with what they parse to (range edges first), and refused values. */
export interface SettingCase {
  accepted: [raw: string, parsed: unknown][];
  refused: [raw: string, reason: RegExp][];
}

export const SETTING_CASES: Record<SettingName, SettingCase> = {
  targets: {
    accepted: [
      [
        'smtps://SMTP.example.com, smtp://mx.example.com:587',
        ['smtps://smtp.example.com:465', 'smtp://mx.example.com:587'],
      ],
    ],
    refused: [
      ['https://mail.example.com', /scheme "https" is not supported/],
      ['smtp://a.example.com,,smtp://b.example.com', /empty item/],
    ],
  },
  shards: {
    accepted: [
      ['1', 1],
      ['1000', 1000],
    ],
    refused: [
      ['0', /whole number from 1 to 1000/],
      ['1001', /whole number from 1 to 1000/],
    ],
  },
  shardWorkers: {
    accepted: [
      ['1', 1],
      ['64', 64],
    ],
    refused: [['65', /whole number from 1 to 64/]],
  },
  keyTypes: {
    accepted: [
      ['ecdsa', ['ecdsa']],
      ['RSA,ecdsa,rsa', ['rsa', 'ecdsa']],
    ],
    refused: [['rsa,dsa', /"dsa" is not one of rsa, ecdsa/]],
  },
  probeTimeoutMs: {
    accepted: [
      ['100', 100],
      ['300000', 300_000],
    ],
    refused: [
      ['99', /whole number from 100 to 300000/],
      ['300001', /whole number from 100 to 300000/],
      ['1.5e3', /whole number/],
      ['soon', /whole number/],
    ],
  },
  concurrency: {
    accepted: [
      ['1', 1],
      ['1024', 1024],
    ],
    refused: [
      ['0', /from 1 to 1024/],
      ['1025', /from 1 to 1024/],
    ],
  },
  trust: { accepted: [['google', 'google']], refused: [['mozilla', /"node".*or "google"/]] },
  addressFamilies: {
    accepted: [
      ['4', [4]],
      ['6,4,6', [6, 4]],
      ['all', [4, 6]],
    ],
    refused: [['4,5', /"5" is not 4 or 6/]],
  },
  resolve: {
    accepted: [['mx.example.com:25:127.0.0.2', [{ host: 'mx.example.com', port: 25, addresses: ['127.0.0.2'] }]]],
    refused: [['nonsense', /expected host:port:addr/]],
  },
  servername: { accepted: [['mx.example.com', 'mx.example.com']], refused: [['two words', /without spaces/]] },
  targetsFile: {
    accepted: [['targets.txt', 'targets.txt']],
    refused: [['x'.repeat(5000), /a file name/]],
  },
  dns: {
    accepted: [
      ['127.0.0.1:5353', ['127.0.0.1:5353']],
      ['10.0.0.2, [::1]:53', ['10.0.0.2', '[::1]:53']],
    ],
    refused: [
      ['dns.example.com', /not ADDR\[:PORT\]/],
      ['127.0.0.1:0', /port must be 1-65535/],
    ],
  },
  ehloName: {
    accepted: [
      ['certwatch.example.com', 'certwatch.example.com'],
      ['[192.0.2.1]', '[192.0.2.1]'],
    ],
    refused: [
      ['x\r\nMAIL FROM:<a@b>', /expected a domain .* or an address literal/],
      ['-bad-', /expected a domain/],
    ],
  },
  ca: { accepted: [['roots.pem', 'roots.pem']], refused: [['x'.repeat(5000), /file name/]] },
  extraCaPem: { accepted: [[PEM, [expect.any(Uint8Array)]]], refused: [['not pem', /holds no PEM certificate/]] },
  port25Blocked: {
    accepted: [
      ['true', true],
      ['0', false],
    ],
    refused: [['maybe', /true or false/]],
  },
  revocation: {
    accepted: [
      ['crl,ocsp', ['crl', 'ocsp']],
      ['OCSP, crl', ['crl', 'ocsp']],
      ['crl', ['crl']],
      ['ocsp', ['ocsp']],
      ['off', 'off'],
    ],
    refused: [
      ['crl,ldap', /"ldap" is not crl or ocsp/],
      ['off,crl', /"off" is not crl or ocsp/],
    ],
  },
  expiryLifetimeShare: {
    accepted: [
      ['0.5', 0.5],
      ['1/3', 1 / 3],
      ['off', 'off'],
    ],
    refused: [
      ['1', /"off" or a fraction in \(0, 1\)/],
      ['third', /"off" or a fraction in \(0, 1\)/],
      ['3/3', /"off" or a fraction in \(0, 1\)/],
      ['1/0', /"off" or a fraction in \(0, 1\)/],
    ],
  },
  revocationMaxBytes: {
    accepted: [
      ['65536', 65_536],
      ['1073741824', 1_073_741_824],
    ],
    refused: [['1000', /whole number from 65536 to 1073741824/]],
  },
  postureRequire: {
    accepted: [
      [
        'min-version=TLS1.2, no-3des',
        [expect.objectContaining({ text: 'min-version=TLS1.2' }), expect.objectContaining({ text: 'no-3des' })],
      ],
    ],
    refused: [['no-md5', /no-md5/]],
  },
  handshakeBudget: {
    accepted: [
      ['1', 1],
      ['10000', 10_000],
    ],
    refused: [['0', /whole number from 1 to 10000/]],
  },
  posturePauseMs: {
    accepted: [
      ['0', 0],
      ['60000', 60_000],
    ],
    refused: [['60001', /whole number from 0 to 60000/]],
  },
  expiryThresholdsDays: {
    accepted: [
      ['7,30,7', [30, 7]],
      ['0.5,3650', [3650, 0.5]],
    ],
    refused: [
      ['14,0', /threshold 0 must be a number of days in \(0, 3650\]/],
      ['3651', /threshold 3651/],
      ['21,soon', /"soon" is not a number of days/],
      ['14,,7', /empty item/],
    ],
  },
  staleAfterCycles: {
    accepted: [
      ['1', 1],
      ['1000', 1000],
    ],
    refused: [['0', /whole number from 1 to 1000/]],
  },
  staleAfterHours: {
    accepted: [
      ['0', 0],
      ['8760', 8760],
    ],
    refused: [['-1', /whole number from 0 to 8760/]],
  },
  mixWindowHours: {
    accepted: [
      ['1', 1],
      ['720', 720],
    ],
    refused: [['0', /whole number from 1 to 720/]],
  },
  retireShareFloor: {
    accepted: [['0.05', 0.05]],
    refused: [['1', /a fraction in \(0, 1\)/]],
  },
  rolloutSamples: {
    accepted: [
      ['1', 1],
      ['16', 16],
    ],
    refused: [['17', /whole number from 1 to 16/]],
  },
  pinUnusedAfterDays: {
    accepted: [
      ['0', 0],
      ['365', 365],
    ],
    refused: [['-1', /whole number from 0 to 365/]],
  },
  retireAfterCycles: {
    accepted: [],
    refused: [['3', /replaced by staleAfterCycles \(default 3\) and staleAfterHours \(default 48\)/]],
  },
  failingAfter: {
    accepted: [
      ['1', 1],
      ['1000', 1000],
    ],
    refused: [
      ['0', /whole number from 1 to 1000/],
      ['2.5', /whole number/],
    ],
  },
  rotationOverdueShare: {
    accepted: [
      ['0.01', 0.01],
      ['0.99', 0.99],
    ],
    refused: [
      ['1', /fraction in \(0, 1\)/],
      ['0', /fraction in \(0, 1\)/],
    ],
  },
  heartbeat: { accepted: [['Weekly', 'weekly']], refused: [['daily', /"weekly" or "off"/]] },
  metricTargets: {
    accepted: [['smtps://SMTP.example.com', ['smtps://smtp.example.com:465']]],
    refused: [['mx:example.com', /an MX target names a domain's mail hosts/]],
  },
  schedule: {
    accepted: [
      ['rate(5 minutes)', 5],
      ['rate(12 hours)', 720],
    ],
    refused: [
      ['rate(4 minutes)', /from rate\(5 minutes\) to rate\(12 hours\)/],
      ['rate(13 hours)', /from rate\(5 minutes\) to rate\(12 hours\)/],
      ['cron(0 * * * ? *)', /cron is not supported/],
    ],
  },
  posture: {
    accepted: [
      ['off', 'off'],
      ['rate(1 hour)', 60],
      ['rate(7 days)', 7 * 1440],
    ],
    refused: [
      ['rate(59 minutes)', /rate\(1 hour\) to rate\(7 days\)/],
      ['cron(0 3 * * ? *)', /"off" or rate/],
    ],
  },
  alertEmail: {
    accepted: [['ops@example.com, b@example.com,ops@example.com', ['ops@example.com', 'b@example.com']]],
    refused: [['ops@example.com,not-an-address', /"not-an-address" is not an e-mail address/]],
  },
  egress: { accepted: [['vpc', 'vpc']], refused: [['nat', /"none".*or "vpc"/]] },
  vpcId: {
    accepted: [['vpc-0123456789abcdef0', 'vpc-0123456789abcdef0']],
    refused: [['my-vpc', /not a VPC id/]],
  },
  logRetentionDays: {
    accepted: [
      ['1', 1],
      ['3653', 3653],
    ],
    refused: [['10', /must be one of 1, 3, 5, 7, 14, 30/]],
  },
  tableName: { accepted: [['certwatch', 'certwatch']], refused: [['ab', /DynamoDB table name/]] },
  topicArn: {
    accepted: [['arn:aws:sns:eu-west-1:123456789012:n', 'arn:aws:sns:eu-west-1:123456789012:n']],
    refused: [['topic', /SNS topic ARN/]],
  },
  policy: {
    accepted: [
      ['policy.yaml', { file: 'policy.yaml' }],
      ['{"policies":[]}', { document: { policies: [] } }],
    ],
    refused: [['{"policies":', /is not a JSON document/]],
  },
  policySha256: {
    accepted: [['ab'.repeat(32), 'ab'.repeat(32)]],
    refused: [['abc', /SHA-256 in lowercase hex/]],
  },
  dynamodbEndpoint: {
    accepted: [['http://127.0.0.1:8000', 'http://127.0.0.1:8000']],
    refused: [['127.0.0.1:8000', /http:\/\/ or https:\/\/ URL/]],
  },
  ctLogs: {
    accepted: [
      ['off', { kind: 'off', text: 'off' }],
      [
        'https://ct.example/log_list.json',
        { kind: 'url', url: 'https://ct.example/log_list.json', text: 'https://ct.example/log_list.json' },
      ],
      ['lists/logs.json', { kind: 'file', path: 'lists/logs.json', text: 'lists/logs.json' }],
    ],
    refused: [['a list.json', /off, a log list URL or a log list file name/]],
  },
  ctBackfill: {
    accepted: [
      ['0', 0],
      ['100000000', 100_000_000],
    ],
    refused: [['-1', /whole number from 0 to 100000000/]],
  },
  ctMaxEntries: {
    accepted: [['256', 256]],
    refused: [['255', /whole number from 256/]],
  },
  ctMaxMegabytes: {
    accepted: [['1', 1]],
    refused: [['0', /whole number from 1 to 100000/]],
  },
  ctBudgetSeconds: {
    accepted: [
      ['5', 5],
      ['900', 900],
    ],
    refused: [['901', /whole number from 5 to 900/]],
  },
  ctLogListKey: {
    accepted: [['keys/list.pem', 'keys/list.pem']],
    refused: [['k'.repeat(4097), /a PEM file name/]],
  },
  expectIssuers: {
    accepted: [["Google Trust Services, Let's Encrypt", ['Google Trust Services', "Let's Encrypt"]]],
    refused: [['a,,b', /empty item/]],
  },
};
