/**
 * The settings table: every setting of certwatch, defined once — name, parser (with its one range),
 * default, one doc line — with its spellings: CLI flag, environment variable, CDK context key.
 * The CLI, the Lambda handler, the stack and the watcher construct all read settings through it
 * (lambdas/settings/read.ts), and docs/settings.md is generated from it (`npm run docs:settings`).
 *
 * To add a setting: add one entry here, read it where it is used, regenerate docs/settings.md.
 * Logic-light on purpose: the CDK app imports this, so it may import only core types and parsers.
 */

import { parseDnsServers } from '../core/dns-servers';
import { parseEhloName } from '../core/ehlo-name';
import { CoreError } from '../core/errors';
import { KEY_TYPES, type KeyType } from '../core/observation';
import { POSTURE_DEFAULTS } from '../core/posture/defaults';
import { PostureError } from '../core/posture/errors';
import { type PolicyRule, parsePolicy } from '../core/posture/policy';
import { type AddressFamily, DEFAULT_PROBE_OPTIONS } from '../core/probe-options';
import { DEFAULT_TARGET_URLS, parseResolve, parseTargets, type ResolvePin, type Target } from '../core/targets';
import { DEFAULT_WATCH_CONFIG } from '../core/watch-config';
import { pemToDerList } from '../core/x509/pem';
import { InvalidValue } from './config-error';
import { boolean, fraction, integer, listOf, oneOf, orWord, type Parser, rate, scalar, text, via } from './parsers';
import { defineOptional, defineSetting } from './setting';

const isCoreError = (error: unknown) => error instanceof CoreError;

/** Where a consumer policy comes from (context `policy`): a file to read at synth, or the document. */
export type PolicySource = { file: string } | { document: unknown };

const targetList: Parser<Target[]> = via(
  'smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS) URLs, comma-separated',
  (raw) =>
    parseTargets(listOf((url) => url, { example: 'smtps://smtp.gmail.com:465,smtp://mx.example.com' }).parse(raw)),
  isCoreError,
);

const keyTypeList: Parser<KeyType[]> = dedupe(
  listOf(
    (item) => {
      const keyType = item.toLowerCase();
      if (!KEY_TYPES.includes(keyType as KeyType))
        throw new InvalidValue(`"${item}" is not one of ${KEY_TYPES.join(', ')}`);
      return keyType as KeyType;
    },
    { example: 'rsa,ecdsa' },
  ),
);

/** `all`, `4`, `6` or a list such as `4,6` (the CLI's `--family all|4|6` and the list form agree). */
const familyList: Parser<AddressFamily[]> = {
  accepts: '4, 6, 4,6 or all',
  parse(raw) {
    if (typeof raw === 'string' && raw.trim().toLowerCase() === 'all') return [4, 6];
    return dedupe(
      listOf(
        (item) => {
          if (item !== '4' && item !== '6') {
            throw new InvalidValue(`"${item}" is not 4 or 6 (e.g. 4, or 4,6 in a dual-stack VPC; all = both)`);
          }
          return Number(item) as AddressFamily;
        },
        { example: '4,6' },
      ),
    ).parse(raw);
  },
};

const postureRules: Parser<PolicyRule[]> = {
  accepts: 'posture rules such as min-version=TLS1.2,no-3des',
  parse(raw) {
    const items = listOf((rule) => rule, { min: 0, separator: /\s*,\s*/, example: 'min-version=TLS1.2,no-3des' }).parse(
      raw,
    );
    try {
      return items.length === 0 ? [] : parsePolicy(items);
    } catch (error) {
      if (error instanceof PostureError) throw new InvalidValue(error.message, { cause: error });
      throw error;
    }
  },
};

const expiryDays: Parser<number[]> = {
  accepts: 'days before expiry, e.g. 21,14,7,3,1 (each in (0, 3650])',
  parse(raw) {
    const days = listOf(
      (item) => {
        const value = Number(item);
        if (!Number.isFinite(value)) throw new InvalidValue(`"${item}" is not a number of days (e.g. 21,14,7,3,1)`);
        if (value <= 0 || value > 3650)
          throw new InvalidValue(`threshold ${item} must be a number of days in (0, 3650]`);
        return value;
      },
      { example: '21,14,7,3,1' },
    ).parse(raw);
    return [...new Set(days)].sort((a, b) => b - a);
  },
};

/** The parser of a setting that was replaced: every value is refused with the names of its successors. */
function replacedBy(successors: string): Parser<never> {
  return {
    accepts: `nothing: replaced by ${successors}`,
    parse() {
      throw new InvalidValue(
        `this setting was replaced by ${successors}: a leaf now retires once every address that served it has ` +
          'moved on or gone stale (see the rollout model in the README)',
      );
    },
  };
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[A-Za-z]{2,}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
/** CloudWatch Logs retention periods (days) a log group accepts, "never expire" aside. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const NO_SPACES = text(/^[^\s\p{Cc}]{1,1024}$/u, 'a value without spaces or control characters');

/** Every setting. One entry each; the key is the setting's name. */
export const SETTINGS = {
  targets: defineSetting<Target[]>({
    name: 'targets',
    doc: 'Endpoints to watch (CLI: the TARGET arguments).',
    parser: targetList,
    default: parseTargets(DEFAULT_TARGET_URLS),
    defaultText: "Google's SMTP hosts",
    env: 'CERTWATCH_TARGETS',
    context: 'targets',
  }),
  keyTypes: defineSetting<KeyType[]>({
    name: 'keyTypes',
    doc: 'Key types asked of every address (one handshake each).',
    parser: keyTypeList,
    default: [...DEFAULT_PROBE_OPTIONS.keyTypes],
    flag: '--key-types',
    env: 'CERTWATCH_KEY_TYPES',
    context: 'keyTypes',
  }),
  probeTimeoutMs: defineSetting<number>({
    name: 'probeTimeoutMs',
    doc: 'Deadline of each probe (connect, SMTP, handshake), in milliseconds.',
    parser: integer(100, 300_000),
    default: DEFAULT_PROBE_OPTIONS.timeoutMs,
    flag: '--timeout',
    env: 'CERTWATCH_PROBE_TIMEOUT_MS',
    context: 'probeTimeoutMs',
  }),
  concurrency: defineSetting<number>({
    name: 'concurrency',
    doc: 'Probes in flight at once.',
    parser: integer(1, 1024),
    default: DEFAULT_PROBE_OPTIONS.concurrency,
    flag: '--concurrency',
    env: 'CERTWATCH_CONCURRENCY',
  }),
  trust: defineSetting<'node' | 'google'>({
    name: 'trust',
    doc: 'Trust anchors to start from.',
    parser: oneOf(['node', 'google'], { node: "Node's bundled roots", google: 'the pki.goog bundle' }),
    default: 'node',
    flag: '--trust',
    env: 'CERTWATCH_TRUST',
    context: 'trust',
  }),
  addressFamilies: defineSetting<AddressFamily[]>({
    name: 'addressFamilies',
    doc: 'IP versions probed. The stack defaults to 4: a Lambda function outside a dual-stack VPC has no IPv6 route.',
    parser: familyList,
    default: [4, 6],
    defaultText: '4,6 (stack: 4)',
    flag: '--family',
    env: 'CERTWATCH_ADDRESS_FAMILIES',
    context: 'addressFamilies',
  }),
  resolve: defineSetting<ResolvePin[]>({
    name: 'resolve',
    doc: "Address pins in curl's form host:port:addr[,addr...] (flag repeatable; environment space-separated).",
    parser: listOf(
      (pin) => {
        try {
          return parseResolve(pin);
        } catch (error) {
          if (error instanceof CoreError) throw new InvalidValue(error.message, { cause: error });
          throw error;
        }
      },
      { min: 0, separator: /\s+/, example: 'smtp.gmail.com:465:192.0.2.1' },
    ),
    default: [],
    flag: '--resolve',
    env: 'CERTWATCH_RESOLVE',
  }),
  servername: defineOptional<string>({
    name: 'servername',
    doc: 'SNI and expected certificate name (default: the target host).',
    parser: NO_SPACES,
    flag: '--servername',
  }),
  ehloName: defineOptional<string>({
    name: 'ehloName',
    doc: "Name sent in EHLO: a domain or an address literal (default: this machine's FQDN or address literal).",
    parser: via(
      'a domain name or an address literal such as [192.0.2.1]',
      (raw) => parseEhloName(typeof raw === 'string' ? raw : scalar(raw)),
      isCoreError,
    ),
    flag: '--ehlo',
    env: 'CERTWATCH_EHLO_NAME',
  }),
  dns: defineOptional<string[]>({
    name: 'dns',
    doc: "DNS servers for every lookup certwatch makes (A/AAAA, MX, TXT, TLSA), ADDR[:PORT] comma-separated (default: the system's).",
    parser: via(
      'DNS server addresses ADDR[:PORT], comma-separated (IPv6 with a port in brackets: [::1]:53)',
      (raw) => parseDnsServers(typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.map(String) : scalar(raw)),
      isCoreError,
    ),
    flag: '--dns',
    env: 'CERTWATCH_DNS',
    context: 'dns',
  }),
  ca: defineOptional<string>({
    name: 'ca',
    doc: 'PEM file of extra trust anchors, added to the chosen set.',
    parser: text(/^.{1,4096}$/, 'a file name'),
    flag: '--ca',
  }),
  extraCaPem: defineOptional<Uint8Array[]>({
    name: 'extraCaPem',
    doc: 'PEM text of extra trust anchors for the function (tests use their generated roots).',
    parser: {
      accepts: 'PEM certificates',
      parse(raw) {
        let ders: Uint8Array[];
        try {
          ders = pemToDerList(typeof raw === 'string' ? raw : '');
        } catch (error) {
          if (error instanceof CoreError) throw new InvalidValue(error.message, { cause: error });
          throw error;
        }
        if (ders.length === 0) throw new InvalidValue('holds no PEM certificate');
        return ders;
      },
    },
    defaultText: '(none)',
    env: 'CERTWATCH_EXTRA_CA_PEM',
  }),
  port25Blocked: defineSetting<boolean>({
    name: 'port25Blocked',
    doc: 'Set by the stack outside a VPC: a port-25 connect timeout there is EGRESS_BLOCKED.',
    parser: boolean,
    default: false,
    env: 'CERTWATCH_PORT25_BLOCKED',
  }),
  postureRequire: defineSetting<PolicyRule[]>({
    name: 'postureRequire',
    doc: 'Posture rules whose violation is a critical notice (flag repeatable).',
    parser: postureRules,
    default: [],
    flag: '--require',
    env: 'CERTWATCH_POSTURE_REQUIRE',
    context: 'postureRequire',
  }),
  handshakeBudget: defineSetting<number>({
    name: 'handshakeBudget',
    doc: 'Most TLS handshakes a posture enumeration spends per address.',
    parser: integer(1, 10_000),
    default: POSTURE_DEFAULTS.handshakeBudget,
    flag: '--handshake-budget',
  }),
  posturePauseMs: defineSetting<number>({
    name: 'posturePauseMs',
    doc: 'Pause between two posture handshakes to the same address, in milliseconds.',
    parser: integer(0, 60_000),
    default: POSTURE_DEFAULTS.pauseMs,
    flag: '--pause',
  }),
  expiryThresholdsDays: defineSetting<number[]>({
    name: 'expiryThresholdsDays',
    doc: 'Days before expiry at which EXPIRY_WARNING is raised, once each.',
    parser: expiryDays,
    default: [...DEFAULT_WATCH_CONFIG.expiryThresholdsDays],
    env: 'CERTWATCH_EXPIRY_DAYS',
    context: 'expiryThresholdsDays',
  }),
  staleAfterCycles: defineSetting<number>({
    name: 'staleAfterCycles',
    doc:
      'An address whose last observation showed a leaf goes stale after this many cycles that observed its key ' +
      'type elsewhere (and staleAfterHours); a leaf retires once every address that served it moved on or went ' +
      'stale, and it was not seen for this many cycles.',
    parser: integer(1, 1000),
    default: DEFAULT_WATCH_CONFIG.staleAfterCycles,
    env: 'CERTWATCH_STALE_AFTER_CYCLES',
    context: 'staleAfterCycles',
  }),
  staleAfterHours: defineSetting<number>({
    name: 'staleAfterHours',
    doc:
      "Hours the key type must also have been observed elsewhere before an address goes stale (twice the address's " +
      "longest gap between observations, when longer): Google's DNS may name a frontend only about once a day.",
    parser: integer(0, 8760),
    default: DEFAULT_WATCH_CONFIG.staleAfterHours,
    env: 'CERTWATCH_STALE_AFTER_HOURS',
    context: 'staleAfterHours',
  }),
  retireAfterCycles: defineOptional<never>({
    name: 'retireAfterCycles',
    doc: 'Replaced by staleAfterCycles and staleAfterHours (the rollout model); any value is refused, naming them.',
    parser: replacedBy('staleAfterCycles (default 3) and staleAfterHours (default 48)'),
    env: 'CERTWATCH_RETIRE_AFTER_CYCLES',
    context: 'retireAfterCycles',
  }),
  failingAfter: defineSetting<number>({
    name: 'failingAfter',
    doc: 'Consecutive failed cycles of a target before PROBE_FAILING.',
    parser: integer(1, 1000),
    default: DEFAULT_WATCH_CONFIG.failingAfter,
    env: 'CERTWATCH_FAILING_AFTER',
    context: 'failingAfter',
  }),
  rotationOverdueShare: defineSetting<number>({
    name: 'rotationOverdueShare',
    doc: "Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen.",
    parser: fraction(0.75),
    default: DEFAULT_WATCH_CONFIG.rotationOverdueShare,
    env: 'CERTWATCH_ROTATION_OVERDUE_SHARE',
    context: 'rotationOverdueShare',
  }),
  heartbeat: defineSetting<'weekly' | 'off'>({
    name: 'heartbeat',
    doc: 'A weekly HEARTBEAT notice: proof the watcher is alive.',
    parser: oneOf(['weekly', 'off']),
    default: 'off',
    env: 'CERTWATCH_HEARTBEAT',
    context: 'heartbeat',
  }),
  schedule: defineSetting<number>({
    name: 'schedule',
    doc: 'Time between watch cycles (a fixed rate: the "no successful cycle" alarm needs a period).',
    parser: rate(5, 12 * 60, ' (cron is not supported: the "no successful cycle" alarm needs a fixed period)'),
    default: 15,
    defaultText: 'rate(15 minutes)',
    context: 'schedule',
  }),
  posture: defineSetting<number | 'off'>({
    name: 'posture',
    doc: 'Time between TLS posture cycles (many handshakes per address), or off.',
    parser: orWord('off', rate(60, 7 * 1440)),
    default: 1440,
    defaultText: 'rate(1 day)',
    context: 'posture',
  }),
  alertEmail: defineSetting<string[]>({
    name: 'alertEmail',
    doc: 'E-mail addresses subscribed to the notice topic (each confirms by e-mail).',
    parser: dedupe(
      listOf(
        (email) => {
          if (!EMAIL.test(email)) throw new InvalidValue(`"${email}" is not an e-mail address`);
          return email;
        },
        { min: 0, example: 'ops@example.com,oncall@example.com' },
      ),
    ),
    default: [],
    context: 'alertEmail',
  }),
  egress: defineSetting<'none' | 'vpc'>({
    name: 'egress',
    doc: 'How the function reaches the targets: none = no VPC (port-25 targets are left out), vpc = NAT egress.',
    parser: oneOf(['none', 'vpc'], { none: 'no VPC: port-25 targets are left out' }),
    default: 'none',
    context: 'egress',
  }),
  vpcId: defineOptional<string>({
    name: 'vpcId',
    doc: 'An existing VPC to run in (private subnets with NAT egress); implies egress vpc.',
    parser: text(VPC_ID, 'a VPC id (vpc- followed by 8 or 17 hex digits)'),
    context: 'vpcId',
  }),
  logRetentionDays: defineSetting<number>({
    name: 'logRetentionDays',
    doc: "Retention of the function's logs, in days.",
    parser: {
      accepts: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
      parse(raw) {
        const days = integer(1, 3653).parse(raw);
        if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
          throw new InvalidValue(`must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
        }
        return days;
      },
    },
    default: 90,
    context: 'logRetentionDays',
  }),
  policy: defineOptional<PolicySource>({
    name: 'policy',
    doc: 'Consumer policy for the function: a JSON/YAML file name (ca paths relative to it) or the document itself.',
    parser: {
      accepts: 'a policy file name, or a {"policies": [...]} document',
      parse(raw) {
        if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return { document: raw };
        const value = scalar(raw);
        if (!value.startsWith('{')) return { file: value };
        try {
          return { document: JSON.parse(value) as unknown };
        } catch (error) {
          throw new InvalidValue(`is not a JSON document: ${(error as Error).message}`, { cause: error });
        }
      },
    },
    context: 'policy',
  }),
  policySha256: defineOptional<string>({
    name: 'policySha256',
    doc: 'Set by the stack: SHA-256 of the consumer policy shipped beside the handler (data/consumer-policy.json).',
    parser: text(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
    env: 'CERTWATCH_POLICY_SHA256',
  }),
  tableName: defineOptional<string>({
    name: 'tableName',
    doc: 'DynamoDB history table (the stack sets it for the function).',
    parser: text(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
    env: 'CERTWATCH_TABLE_NAME',
  }),
  topicArn: defineOptional<string>({
    name: 'topicArn',
    doc: 'SNS topic of the notices (the stack sets it for the function).',
    parser: text(/^arn:\S+:sns:\S+$/, 'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)'),
    env: 'CERTWATCH_TOPIC_ARN',
  }),
  dynamodbEndpoint: defineOptional<string>({
    name: 'dynamodbEndpoint',
    doc: 'A DynamoDB-compatible endpoint instead of AWS (tests, the embedded store).',
    parser: text(/^https?:\/\/\S+$/, 'an http:// or https:// URL'),
    env: 'DYNAMODB_ENDPOINT',
  }),
} as const;

/** The name of a setting. */
export type SettingName = keyof typeof SETTINGS;

/** Drops repeated items, keeping the first. */
function dedupe<T>(inner: Parser<T[]>): Parser<T[]> {
  return { accepts: inner.accepts, parse: (raw) => [...new Set(inner.parse(raw))] };
}
