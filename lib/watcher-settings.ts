/**
 * The watcher construct's properties, validated through the settings table: a construct user passing
 * `probeTimeoutMs: 5` gets the same ConfigError (naming the property) that `-c probeTimeoutMs=5` gets
 * (naming the context key). Defaults come from the table.
 */
import { Duration } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { KeyType } from '../lambdas/core/observation';
import type { AddressFamily } from '../lambdas/core/probe-options';
import type { Target } from '../lambdas/core/targets';
import type { WatchConfig } from '../lambdas/core/watch-config';
import { readProp, refuse } from '../lambdas/settings/read';
import type { Setting } from '../lambdas/settings/setting';
import { SETTINGS } from '../lambdas/settings/table';

/** Properties of `CertificateWatcher`; everything has a default. */
export interface CertificateWatcherProps {
  /** Target URLs (`smtp://host:port`, `smtps://host:port`); default Google's SMTP hosts. */
  targets?: readonly string[];
  /** Time between cycles; default 15 minutes. */
  schedule?: Duration;
  /** Change-detection thresholds over the defaults. */
  watchConfig?: Partial<WatchConfig>;
  /** Addresses subscribed to the notice topic (each confirms by e-mail). */
  alertEmails?: readonly string[];
  /** `none` (default): no VPC, port-25 targets left out. `vpc`: VPC with NAT egress, all targets. */
  egress?: 'none' | 'vpc';
  /** With egress `vpc`: an existing VPC (private subnets with NAT egress) instead of a new one. */
  vpc?: IVpc;
  /** Retention of the function's logs; default 90 days. */
  logRetention?: RetentionDays;
  /** Deadline of each probe; default 10 000 ms. */
  probeTimeoutMs?: number;
  /** Key types asked of every address; default rsa and ecdsa. */
  keyTypes?: readonly KeyType[];
  /** Trust anchors; default Node's bundled roots. */
  trust?: 'node' | 'google';
  /** Time between TLS posture cycles, or `off`; default 1 day (a posture costs many handshakes). */
  postureSchedule?: Duration | 'off';
  /** Posture rules whose violation is a critical notice, e.g. `['min-version=TLS1.2', 'no-3des']`. */
  postureRequire?: readonly string[];
  /** Weekly HEARTBEAT notice; default off. */
  heartbeat?: 'weekly' | 'off';
  /**
   * Address families to probe; default IPv4 only, because a Lambda function outside a dual-stack VPC
   * has no IPv6 route and every AAAA probe would fail each cycle.
   */
  addressFamilies?: readonly (4 | 6)[];
  /** DNS servers for every lookup (`ADDR[:PORT]`); default the function's own resolver. */
  dns?: readonly string[];
  /**
   * The consumer policy in its portable form (`{"policies": [...]}`, CA files as PEM text) and its
   * SHA-256, as bin/app.ts makes it from context `policy`; shipped beside the handler.
   */
  consumerPolicy?: { json: string; sha256: string };
}

/**
 * The watcher's address families when none are given: IPv4 only. The setting's own default (both)
 * suits a machine with an IPv6 route; a Lambda function outside a dual-stack VPC has none.
 */
export const WATCHER_ADDRESS_FAMILIES: readonly AddressFamily[] = Object.freeze([4]);

/** The validated, defaulted properties. */
export interface WatcherSettings {
  targets: Target[];
  schedule: Duration;
  watch: WatchConfig;
  alertEmails: string[];
  egress: 'none' | 'vpc';
  vpc?: IVpc;
  logRetention: RetentionDays;
  probeTimeoutMs: number;
  keyTypes: KeyType[];
  trust: 'node' | 'google';
  postureSchedule: Duration | 'off';
  /** Posture rules in their canonical spelling. */
  postureRequire: string[];
  heartbeat: 'weekly' | 'off';
  addressFamilies: AddressFamily[];
  dns: string[];
}

const OWNER = 'CertificateWatcher';

/** A ConfigError of the watcher's own checks (what the stack needs beyond each setting's range). */
export function watcherRefusal(setting: Setting<unknown, unknown>, reason: string, spelling = setting.name) {
  return refuse(setting, { source: 'prop', spelling, owner: OWNER }, reason);
}

/**
 * Validates the properties of a watcher and fills in the defaults.
 * @throws ConfigError naming the property at fault
 */
export function watcherSettings(props: CertificateWatcherProps): WatcherSettings {
  const egress = prop(SETTINGS.egress, props.egress);
  if (props.vpc && egress !== 'vpc') {
    throw watcherRefusal(SETTINGS.vpcId, 'a vpc is only used with egress "vpc"', 'vpc');
  }
  const wc = props.watchConfig ?? {};
  // The replaced property is refused with its successors' names (a silently ignored setting misleads).
  prop(
    SETTINGS.retireAfterCycles,
    (wc as { retireAfterCycles?: unknown }).retireAfterCycles,
    'watchConfig.retireAfterCycles',
  );
  const posture = prop(SETTINGS.posture, minutesOf(props.postureSchedule), 'postureSchedule');
  return {
    targets: prop(SETTINGS.targets, props.targets),
    schedule: Duration.minutes(prop(SETTINGS.schedule, minutesOf(props.schedule))),
    watch: {
      expiryThresholdsDays: prop(
        SETTINGS.expiryThresholdsDays,
        wc.expiryThresholdsDays,
        'watchConfig.expiryThresholdsDays',
      ),
      staleAfterCycles: prop(SETTINGS.staleAfterCycles, wc.staleAfterCycles, 'watchConfig.staleAfterCycles'),
      staleAfterHours: prop(SETTINGS.staleAfterHours, wc.staleAfterHours, 'watchConfig.staleAfterHours'),
      mixWindowHours: prop(SETTINGS.mixWindowHours, wc.mixWindowHours, 'watchConfig.mixWindowHours'),
      retireShareFloor: prop(SETTINGS.retireShareFloor, wc.retireShareFloor, 'watchConfig.retireShareFloor'),
      rolloutSamples: prop(SETTINGS.rolloutSamples, wc.rolloutSamples, 'watchConfig.rolloutSamples'),
      pinUnusedAfterDays: prop(SETTINGS.pinUnusedAfterDays, wc.pinUnusedAfterDays, 'watchConfig.pinUnusedAfterDays'),
      failingAfter: prop(SETTINGS.failingAfter, wc.failingAfter, 'watchConfig.failingAfter'),
      rotationOverdueShare: prop(
        SETTINGS.rotationOverdueShare,
        wc.rotationOverdueShare,
        'watchConfig.rotationOverdueShare',
      ),
    },
    alertEmails: prop(SETTINGS.alertEmail, props.alertEmails, 'alertEmails'),
    egress,
    ...(props.vpc ? { vpc: props.vpc } : {}),
    logRetention: prop(SETTINGS.logRetentionDays, props.logRetention, 'logRetention') as RetentionDays,
    probeTimeoutMs: prop(SETTINGS.probeTimeoutMs, props.probeTimeoutMs),
    keyTypes: prop(SETTINGS.keyTypes, props.keyTypes),
    trust: prop(SETTINGS.trust, props.trust),
    postureSchedule: posture === 'off' ? 'off' : Duration.minutes(posture),
    postureRequire: prop(SETTINGS.postureRequire, props.postureRequire).map((rule) => rule.text),
    heartbeat: prop(SETTINGS.heartbeat, props.heartbeat),
    addressFamilies:
      props.addressFamilies === undefined
        ? [...WATCHER_ADDRESS_FAMILIES]
        : prop(SETTINGS.addressFamilies, props.addressFamilies),
    dns: prop(SETTINGS.dns, props.dns) ?? [],
  };
}

function prop<T, D extends T | undefined>(setting: Setting<T, D>, value: unknown, name?: string): T | D {
  return readProp(setting, value, OWNER, name);
}

/** A Duration as minutes for the rate parsers (`off` and undefined pass through). */
function minutesOf(value: Duration | 'off' | undefined): number | 'off' | undefined {
  return value === undefined || value === 'off' ? value : value.toSeconds() / 60;
}
