/**
 * The settings table: every setting of certwatch, defined once — name, parser (with its one range),
 * default, one doc line — with its spellings: CLI flag, environment variable, CDK context key.
 * The CLI, the Lambda handler, the stack and the watcher construct all read settings through it
 * (lambdas/settings/read.ts), and docs/settings.md is generated from it (`npm run docs:settings`).
 *
 * To add a setting: add one entry here, read it where it is used, regenerate docs/settings.md. A setting
 * the Lambda function takes from the stack gets a `deploy` mark (and no type argument, see setting.ts):
 * the stack then reads it from context and the watcher's property of its name, ships it in the function's
 * environment and the handler reads it back (lambdas/settings/deployed.ts), with no other file naming it
 * but docs/deploy.md (a row per context key).
 * Logic-light on purpose: the CDK app imports this, so it may import only core types and parsers.
 */

import { CHROME_LOG_LIST_URL, ctLogsSource } from '../core/ct/logs-setting';
import { parseDnsServers } from '../core/dns-servers';
import { CoreError } from '../core/errors';
import { POSTURE_DEFAULTS } from '../core/posture/defaults';
import { DEFAULT_PROBE_OPTIONS } from '../core/probe-options';
import { DEFAULT_REVOCATION_MAX_BYTES, REVOCATION_METHODS } from '../core/revocation/model';
import { DEFAULT_TARGET_URLS, parseTargets, type ResolvePin, type Target } from '../core/targets';
import { DEFAULT_WATCH_CONFIG } from '../core/watch-config';
import { InvalidValue } from './config-error';
import { boolean, fraction, integer, listOf, oneOf, orWord, type Parser, rate, scalar, text, via } from './parsers';
import { defineOptional, defineSetting } from './setting';
import {
  EHLO_NAME,
  EMAIL_LIST,
  EXPIRY_DAYS,
  FAMILY_LIST,
  KEY_TYPE_LIST,
  LOG_RETENTION,
  NO_SPACES,
  PEM_ANCHORS,
  POSTURE_RULES,
  RESOLVE_PINS,
  REVOCATION_METHOD_LIST,
  TARGET_LIST,
  TARGET_LIST_OR_NONE,
  VPC_ID,
} from './value-parsers';

const isCoreError = (error: unknown) => error instanceof CoreError;

/** Where a consumer policy comes from (context `policy`): a file to read at synth, or the document. */
export type PolicySource = { file: string } | { document: unknown };

/** The parser of a setting that was replaced: every value is refused with the names of its successors. */
function replacedBy(successors: string): Parser<never> {
  return {
    accepts: `nothing: replaced by ${successors}`,
    parse() {
      throw new InvalidValue(
        `this setting was replaced by ${successors}: a leaf now retires once every address that served it has ` +
          'let it go (see docs/rollouts.md)',
      );
    },
  };
}

/** Every setting. One entry each; the key is the setting's name. */
export const SETTINGS = {
  targets: defineSetting<Target[]>({
    name: 'targets',
    doc: 'Endpoints to watch (CLI: the TARGET arguments).',
    parser: TARGET_LIST,
    default: parseTargets(DEFAULT_TARGET_URLS),
    defaultText: "Google's SMTP hosts",
    env: 'CERTWATCH_TARGETS',
    context: 'targets',
  }),
  targetsFile: defineOptional<string>({
    name: 'targetsFile',
    doc: 'A file with the targets to watch, one per line (# comments): for lists too long for context or a command line.',
    parser: text(/^.{1,4096}$/, 'a file name'),
    context: 'targetsFile',
  }),
  shards: defineOptional<number>({
    name: 'shards',
    doc: 'Shards of a `check` run, each probed in its own worker process (absent: one cycle in the process).',
    parser: integer(1, 1000),
    flag: '--shards',
    env: 'CERTWATCH_SHARDS',
  }),
  shardWorkers: defineOptional<number>({
    name: 'shardWorkers',
    doc: 'Most worker processes `check --shards` runs at once (absent: twice the CPU count, at most 8).',
    parser: integer(1, 64),
    flag: '--shard-workers',
    env: 'CERTWATCH_SHARD_WORKERS',
  }),
  keyTypes: defineSetting({
    name: 'keyTypes',
    doc: 'Key types asked of every address (one handshake each).',
    parser: KEY_TYPE_LIST,
    default: [...DEFAULT_PROBE_OPTIONS.keyTypes],
    flag: '--key-types',
    env: 'CERTWATCH_KEY_TYPES',
    context: 'keyTypes',
    deploy: 'function',
  }),
  probeTimeoutMs: defineSetting({
    name: 'probeTimeoutMs',
    doc: 'Deadline of each probe (connect, SMTP, handshake), in milliseconds.',
    parser: integer(100, 300_000),
    default: DEFAULT_PROBE_OPTIONS.timeoutMs,
    flag: '--timeout',
    env: 'CERTWATCH_PROBE_TIMEOUT_MS',
    context: 'probeTimeoutMs',
    deploy: 'function',
  }),
  concurrency: defineSetting<number>({
    name: 'concurrency',
    doc: 'Probes in flight at once.',
    parser: integer(1, 1024),
    default: DEFAULT_PROBE_OPTIONS.concurrency,
    flag: '--concurrency',
    env: 'CERTWATCH_CONCURRENCY',
  }),
  trust: defineSetting({
    name: 'trust',
    doc: 'Trust anchors to start from.',
    parser: oneOf(['node', 'google'], { node: "Node's bundled roots", google: 'the pki.goog bundle' }),
    default: 'node',
    flag: '--trust',
    env: 'CERTWATCH_TRUST',
    context: 'trust',
    deploy: 'function',
  }),
  addressFamilies: defineSetting({
    name: 'addressFamilies',
    doc: 'IP versions probed. The stack defaults to 4: a Lambda function outside a dual-stack VPC has no IPv6 route.',
    parser: FAMILY_LIST,
    default: [4, 6],
    defaultText: '4,6 (stack: 4)',
    flag: '--family',
    env: 'CERTWATCH_ADDRESS_FAMILIES',
    context: 'addressFamilies',
    deploy: 'function',
    stackDefault: [4],
  }),
  resolve: defineSetting<ResolvePin[]>({
    name: 'resolve',
    doc: "Address pins in curl's form host:port:addr[,addr...] (flag repeatable; environment space-separated).",
    parser: RESOLVE_PINS,
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
    parser: EHLO_NAME,
    flag: '--ehlo',
    env: 'CERTWATCH_EHLO_NAME',
  }),
  dns: defineOptional({
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
    deploy: 'function',
    stackDefault: [],
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
    parser: PEM_ANCHORS,
    defaultText: '(none)',
    env: 'CERTWATCH_EXTRA_CA_PEM',
  }),
  port25Blocked: defineSetting({
    name: 'port25Blocked',
    doc: 'Set by the stack outside a VPC: a port-25 connect timeout there is EGRESS_BLOCKED.',
    parser: boolean,
    default: false,
    env: 'CERTWATCH_PORT25_BLOCKED',
    deploy: 'stack',
  }),
  postureRequire: defineSetting({
    name: 'postureRequire',
    doc: 'Posture rules whose violation is a critical notice (flag repeatable).',
    parser: POSTURE_RULES,
    default: [],
    flag: '--require',
    env: 'CERTWATCH_POSTURE_REQUIRE',
    context: 'postureRequire',
    deploy: 'function',
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
  revocation: defineSetting({
    name: 'revocation',
    doc:
      'Revocation sources each served certificate is checked against (every one it names; a stapled OCSP response ' +
      'counts too), or off. On by default in check and the Lambda; probe and inspect check only with the flag.',
    parser: REVOCATION_METHOD_LIST,
    default: [...REVOCATION_METHODS],
    defaultText: 'crl,ocsp',
    flag: '--revocation',
    env: 'CERTWATCH_REVOCATION',
    context: 'revocation',
    deploy: 'function',
  }),
  revocationMaxBytes: defineSetting({
    name: 'revocationMaxBytes',
    doc: 'Most bytes of one CRL read (streamed: memory stays small); a larger one leaves its verdict unknown.',
    parser: integer(65_536, 1_073_741_824),
    default: DEFAULT_REVOCATION_MAX_BYTES,
    flag: '--revocation-max-bytes',
    env: 'CERTWATCH_REVOCATION_MAX_BYTES',
    context: 'revocationMaxBytes',
    deploy: 'function',
  }),
  expiryThresholdsDays: defineSetting({
    name: 'expiryThresholdsDays',
    doc: 'Days before expiry at which EXPIRY_WARNING is raised, once each.',
    parser: EXPIRY_DAYS,
    default: [...DEFAULT_WATCH_CONFIG.expiryThresholdsDays],
    env: 'CERTWATCH_EXPIRY_DAYS',
    context: 'expiryThresholdsDays',
    deploy: 'watch',
  }),
  expiryLifetimeShare: defineSetting({
    name: 'expiryLifetimeShare',
    doc:
      "Each expiry threshold applies as min(days, the certificate's lifetime × this): a fresh short-lived " +
      'certificate raises nothing at first sight; thresholds that collapse to one value warn once. off: as configured.',
    parser: orWord('off', fraction(0.3333)),
    default: DEFAULT_WATCH_CONFIG.expiryLifetimeShare,
    defaultText: '1/3',
    env: 'CERTWATCH_EXPIRY_LIFETIME_SHARE',
    context: 'expiryLifetimeShare',
    deploy: 'watch',
  }),
  staleAfterCycles: defineSetting({
    name: 'staleAfterCycles',
    doc:
      'Fewest cycles of its key type that must observe an address without a leaf (or observe the key type ' +
      'elsewhere, for an unobserved address) before that address stops holding the leaf active; a leaf retires ' +
      'once every address that served it let it go (docs/rollouts.md).',
    parser: integer(1, 1000),
    default: DEFAULT_WATCH_CONFIG.staleAfterCycles,
    env: 'CERTWATCH_STALE_AFTER_CYCLES',
    context: 'staleAfterCycles',
    deploy: 'watch',
  }),
  staleAfterHours: defineSetting({
    name: 'staleAfterHours',
    doc:
      'Watched hours (pauses of the watcher excluded) after which an address lets a leaf go on duration alone, ' +
      "or goes stale when unobserved (twice the address's gap estimate, when longer): Google's DNS may name a " +
      'frontend only about once a day. Sampling evidence may let a leaf go sooner (docs/rollouts.md).',
    parser: integer(0, 8760),
    default: DEFAULT_WATCH_CONFIG.staleAfterHours,
    env: 'CERTWATCH_STALE_AFTER_HOURS',
    context: 'staleAfterHours',
    deploy: 'watch',
  }),
  mixWindowHours: defineSetting({
    name: 'mixWindowHours',
    doc:
      'The recent window of the serving mix, in hours: what each leaf was seen doing at an address decays with ' +
      "a quarter of it as half-life, and sampling retires nothing until the rollout's new leaf has been in the " +
      'mix this long (docs/rollouts.md).',
    parser: integer(1, 720),
    default: DEFAULT_WATCH_CONFIG.mixWindowHours,
    env: 'CERTWATCH_MIX_WINDOW_HOURS',
    context: 'mixWindowHours',
    deploy: 'watch',
  }),
  retireShareFloor: defineSetting({
    name: 'retireShareFloor',
    doc:
      "Below this conservative share of an address's cycles, only duration lets a leaf go there (sampling " +
      'evidence cannot tell a rare frontend from a gone one).',
    parser: fraction(0.05),
    default: DEFAULT_WATCH_CONFIG.retireShareFloor,
    env: 'CERTWATCH_RETIRE_SHARE_FLOOR',
    context: 'retireShareFloor',
    deploy: 'watch',
  }),
  rolloutSamples: defineSetting({
    name: 'rolloutSamples',
    doc:
      'Handshakes per address per cycle, at most, while a target × key type has an active leaf besides its ' +
      'newest (a rollout under way; adaptive below it); 1 turns sampling off.',
    parser: integer(1, 16),
    default: DEFAULT_WATCH_CONFIG.rolloutSamples,
    env: 'CERTWATCH_ROLLOUT_SAMPLES',
    context: 'rolloutSamples',
    deploy: 'watch',
  }),
  pinUnusedAfterDays: defineSetting({
    name: 'pinUnusedAfterDays',
    doc: 'Days a retirement must hold, with the leaf seen nowhere, before PIN_UNUSED says its pin may go.',
    parser: integer(0, 365),
    default: DEFAULT_WATCH_CONFIG.pinUnusedAfterDays,
    env: 'CERTWATCH_PIN_UNUSED_AFTER_DAYS',
    context: 'pinUnusedAfterDays',
    deploy: 'watch',
  }),
  retireAfterCycles: defineOptional<never>({
    name: 'retireAfterCycles',
    doc: 'Replaced by staleAfterCycles and staleAfterHours (the rollout model); any value is refused, naming them.',
    parser: replacedBy('staleAfterCycles (default 3) and staleAfterHours (default 48)'),
    env: 'CERTWATCH_RETIRE_AFTER_CYCLES',
    context: 'retireAfterCycles',
  }),
  failingAfter: defineSetting({
    name: 'failingAfter',
    doc: 'Consecutive failed cycles of a target before PROBE_FAILING.',
    parser: integer(1, 1000),
    default: DEFAULT_WATCH_CONFIG.failingAfter,
    env: 'CERTWATCH_FAILING_AFTER',
    context: 'failingAfter',
    deploy: 'watch',
  }),
  rotationOverdueShare: defineSetting({
    name: 'rotationOverdueShare',
    doc: "Share of a leaf's lifetime after which ROTATION_OVERDUE is raised if no successor was seen.",
    parser: fraction(0.75),
    default: DEFAULT_WATCH_CONFIG.rotationOverdueShare,
    env: 'CERTWATCH_ROTATION_OVERDUE_SHARE',
    context: 'rotationOverdueShare',
    deploy: 'watch',
  }),
  heartbeat: defineSetting({
    name: 'heartbeat',
    doc: 'A weekly HEARTBEAT notice: proof the watcher is alive.',
    parser: oneOf(['weekly', 'off']),
    default: 'off',
    env: 'CERTWATCH_HEARTBEAT',
    context: 'heartbeat',
    deploy: 'function',
  }),
  metricTargets: defineSetting({
    name: 'metricTargets',
    doc: 'Targets with a DaysToExpiry metric of their own (each a billed custom metric per key type); `targets add --metric` marks more.',
    parser: TARGET_LIST_OR_NONE,
    default: [],
    defaultText: 'none',
    env: 'CERTWATCH_METRIC_TARGETS',
    context: 'metricTargets',
    deploy: 'function',
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
    parser: EMAIL_LIST,
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
    parser: LOG_RETENTION,
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
  policySha256: defineOptional({
    name: 'policySha256',
    doc: 'Set by the stack: SHA-256 of the consumer policy shipped beside the handler (data/consumer-policy.json).',
    parser: text(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
    env: 'CERTWATCH_POLICY_SHA256',
    deploy: 'stack',
  }),
  tableName: defineOptional({
    name: 'tableName',
    doc: 'DynamoDB history table (the stack sets it for the function).',
    parser: text(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
    env: 'CERTWATCH_TABLE_NAME',
    deploy: 'stack',
  }),
  topicArn: defineOptional({
    name: 'topicArn',
    doc: 'SNS topic of the notices (the stack sets it for the function).',
    parser: text(/^arn:\S+:sns:\S+$/, 'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)'),
    env: 'CERTWATCH_TOPIC_ARN',
    deploy: 'stack',
  }),
  ctLogs: defineSetting({
    name: 'ctLogs',
    doc:
      'Certificate Transparency logs to read before each cycle: a log list (Chrome log list v3 schema) file or URL ' +
      '(its detached signature beside it is verified), or off (docs/ct.md).',
    parser: {
      accepts: 'off, a log list URL (https://...) or a log list file name',
      parse: (raw) => ctLogsSource(text(/^\S{1,4096}$/, 'off, a log list URL or a log list file name').parse(raw)),
    },
    default: ctLogsSource('off'),
    defaultText: "off (the stack: Chrome's published log list)",
    stackDefault: ctLogsSource(CHROME_LOG_LIST_URL),
    flag: '--ct-logs',
    env: 'CERTWATCH_CT_LOGS',
    context: 'ctLogs',
    deploy: 'function',
  }),
  ctBackfill: defineSetting({
    name: 'ctBackfill',
    doc: "Entries to read back from a CT log's current size the first time it is met (0: only what is logged next).",
    parser: integer(0, 100_000_000),
    default: 0,
    flag: '--ct-backfill',
    env: 'CERTWATCH_CT_BACKFILL',
    context: 'ctBackfill',
    deploy: 'function',
  }),
  ctMaxEntries: defineSetting({
    name: 'ctMaxEntries',
    doc: 'Entries read from one CT log per cycle at most; the rest is read by the next cycles.',
    parser: integer(256, 100_000_000),
    default: 1_000_000,
    env: 'CERTWATCH_CT_MAX_ENTRIES',
    context: 'ctMaxEntries',
    deploy: 'function',
  }),
  ctMaxMegabytes: defineSetting({
    name: 'ctMaxMegabytes',
    doc: 'Megabytes received from one CT log per cycle at most (compressed, as transferred).',
    parser: integer(1, 100_000),
    default: 2048,
    env: 'CERTWATCH_CT_MAX_MEGABYTES',
    context: 'ctMaxMegabytes',
    deploy: 'function',
  }),
  ctBudgetSeconds: defineSetting({
    name: 'ctBudgetSeconds',
    doc: 'Time the CT step may take per run (all logs together); logs not done resume next run.',
    parser: integer(5, 900),
    default: 60,
    flag: '--ct-budget',
    env: 'CERTWATCH_CT_BUDGET_SECONDS',
    context: 'ctBudgetSeconds',
    deploy: 'function',
  }),
  ctLogListKey: defineOptional<string>({
    name: 'ctLogListKey',
    doc: "A PEM public key that must verify a log list URL's signature, instead of Google's (a private list).",
    parser: text(/^.{1,4096}$/, 'a PEM file name'),
    flag: '--ct-log-list-key',
    env: 'CERTWATCH_CT_LOG_LIST_KEY',
  }),
  expectIssuers: defineSetting({
    name: 'expectIssuers',
    doc:
      'CA operators or roots (organisation or common name) expected to issue for the watched hosts: no ' +
      'UNEXPECTED_ISSUER for them.',
    parser: listOf((name) => name, { min: 0, separator: /\s*,\s*/, example: '"Google Trust Services,GTS Root R4"' }),
    default: [] as string[],
    flag: '--expect-issuers',
    env: 'CERTWATCH_EXPECT_ISSUERS',
    context: 'expectIssuers',
    deploy: 'function',
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
