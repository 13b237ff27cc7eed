/**
 * The watcher construct's properties, validated through the settings table: a construct user passing
 * `probeTimeoutMs: 5` gets the same ConfigError (naming the property) that `-c probeTimeoutMs=5` gets
 * (naming the context key). Defaults come from the table. The properties of the settings the stack
 * ships to the function are typed from the table (lambdas/settings/deployed.ts): a setting marked
 * `deploy` there is a property here without a line of this file.
 */
import { Duration } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Target } from '../lambdas/core/targets';
import type { WatchConfig } from '../lambdas/core/watch-config';
import { type DeployedProps, type DeployedValues, readDeployed } from '../lambdas/settings/deployed';
import { readWatchConfig } from '../lambdas/settings/groups';
import { readProp, readValue, refuse, type SettingReader } from '../lambdas/settings/read';
import type { Setting } from '../lambdas/settings/setting';
import { SETTINGS } from '../lambdas/settings/table';

/**
 * Properties of `CertificateWatcher`; everything has a default. Besides these, every setting the table
 * deploys to the function is a property of its name (`probeTimeoutMs`, `keyTypes`, `trust`,
 * `addressFamilies` — IPv4 only by default: a Lambda function outside a dual-stack VPC has no IPv6 route —,
 * `dns`, `postureRequire`, `heartbeat`, ...; docs/settings.md), and every threshold one of `watchConfig`.
 */
export interface CertificateWatcherProps extends DeployedProps<'function'> {
  /** Target URLs (`smtp://host:port`, `smtps://host:port`); default Google's SMTP hosts. */
  targets?: readonly string[];
  /** Time between cycles; default 15 minutes. */
  schedule?: Duration;
  /** Change-detection thresholds over the defaults. */
  watchConfig?: DeployedProps<'watch'>;
  /** Addresses subscribed to the notice topic (each confirms by e-mail). */
  alertEmails?: readonly string[];
  /** `none` (default): no VPC, port-25 targets left out. `vpc`: VPC with NAT egress, all targets. */
  egress?: 'none' | 'vpc';
  /** With egress `vpc`: an existing VPC (private subnets with NAT egress) instead of a new one. */
  vpc?: IVpc;
  /** Retention of the function's logs; default 90 days. */
  logRetention?: RetentionDays;
  /** Time between TLS posture cycles, or `off`; default 1 day (a posture costs many handshakes). */
  postureSchedule?: Duration | 'off';
  /**
   * The consumer policy in its portable form (`{"policies": [...]}`, CA files as PEM text) and its
   * SHA-256, as bin/app.ts makes it from context `policy`; shipped beside the handler.
   */
  consumerPolicy?: { json: string; sha256: string };
}

/** The validated, defaulted properties: the deployed settings parsed, by name, and the stack's own. */
export interface WatcherSettings extends DeployedValues<'function'> {
  targets: Target[];
  schedule: Duration;
  watch: WatchConfig;
  alertEmails: string[];
  egress: 'none' | 'vpc';
  vpc?: IVpc;
  logRetention: RetentionDays;
  postureSchedule: Duration | 'off';
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
  // The replaced property is refused with its successors' names (a silently ignored setting misleads).
  prop(
    SETTINGS.retireAfterCycles,
    (props.watchConfig as { retireAfterCycles?: unknown } | undefined)?.retireAfterCycles,
    'watchConfig.retireAfterCycles',
  );
  const posture = prop(SETTINGS.posture, minutesOf(props.postureSchedule), 'postureSchedule');
  const read = deployedProps(props);
  return {
    targets: prop(SETTINGS.targets, props.targets),
    schedule: Duration.minutes(prop(SETTINGS.schedule, minutesOf(props.schedule))),
    watch: readWatchConfig(read),
    alertEmails: prop(SETTINGS.alertEmail, props.alertEmails, 'alertEmails'),
    egress,
    ...(props.vpc ? { vpc: props.vpc } : {}),
    logRetention: prop(SETTINGS.logRetentionDays, props.logRetention, 'logRetention') as RetentionDays,
    postureSchedule: posture === 'off' ? 'off' : Duration.minutes(posture),
    ...readDeployed('function', read),
  };
}

/**
 * Reads the deployed settings from the properties: a setting's property of its name, a threshold's in
 * `watchConfig`; the stack's default where the table gives one (addressFamilies).
 */
function deployedProps(props: CertificateWatcherProps): SettingReader {
  const top = props as Readonly<Record<string, unknown>>;
  const watch = (props.watchConfig ?? {}) as Readonly<Record<string, unknown>>;
  return (setting) => {
    const inWatch = setting.deploy === 'watch';
    return readValue(setting, inWatch ? watch[setting.name] : top[setting.name], {
      source: 'prop',
      spelling: inWatch ? `watchConfig.${setting.name}` : setting.name,
      owner: OWNER,
      stack: true,
    });
  };
}

function prop<T, D extends T | undefined>(setting: Setting<T, D>, value: unknown, name?: string): T | D {
  return readProp(setting, value, OWNER, name);
}

/** A Duration as minutes for the rate parsers (`off` and undefined pass through). */
function minutesOf(value: Duration | 'off' | undefined): number | 'off' | undefined {
  return value === undefined || value === 'off' ? value : value.toSeconds() / 60;
}
