/**
 * Settings of the watch function: its bundle, its timeout (sized from the targets and the probe
 * timeout) and its environment (the handler's contract in lambdas/contract/function-env.ts).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FAN_OUT } from '../lambdas/contract/fan-out';
import { HANDLER_ENV, SHIPPED_TARGETS_FILE } from '../lambdas/contract/function-env';
import { WATCH_METRICS } from '../lambdas/contract/metrics';
import type { KeyType } from '../lambdas/core/observation';
import type { Target } from '../lambdas/core/targets';
import type { WatchConfig } from '../lambdas/core/watch-config';
import { SETTINGS } from '../lambdas/settings/table';
import { type WatcherSettings, watcherRefusal } from './watcher-settings';

/** The handler's source; NodejsFunction bundles it with {@link WATCH_HANDLER_BUNDLING}. */
export const WATCH_HANDLER_ENTRY = join(__dirname, '..', 'lambdas', 'watch', 'handler.ts');

/** Where the handler's build writes its tree-shakeable pkijs, relative to the project root. */
const SHAKEABLE_PKIJS = 'node_modules/.cache/certwatch/pkijs-shakeable.mjs';

function shakeablePkijsCommand(inputDir: string): string {
  return `node "${inputDir}/scripts/shakeable-pki.mjs" "${inputDir}/${SHAKEABLE_PKIJS}"`;
}

/**
 * esbuild settings of the handler bundle (the local esbuild, never Docker). The AWS SDK stays external:
 * the Node.js 24 runtime provides it.
 */
export const WATCH_HANDLER_BUNDLING: BundlingOptions = Object.freeze({
  minify: true,
  sourceMap: true,
  // Stack traces map through names and positions alone: without the sources' text the map is 0.6 MB, not
  // 2.3 MB, and `--enable-source-maps` parses it at every cold start (about 20 ms less module init here).
  sourcesContent: false,
  target: 'node24',
  format: OutputFormat.CJS,
  externalModules: ['@aws-sdk/*'],
  // pkijs as published keeps every class in the bundle (class static blocks count as side effects):
  // scripts/shakeable-pki.mjs writes a copy with those blocks as static fields, which esbuild can
  // tree-shake (302 KB of pkijs down to 134 KB). The path is relative to the project root, esbuild's cwd.
  esbuildArgs: { '--alias': `pkijs=./${SHAKEABLE_PKIJS}` },
  // The pki.goog root bundle (`--trust google`) is data, read on first use: it ships beside index.js
  // (where lambdas/trust/trust-stores.ts looks for `data/`) rather than inflating the code by 47 KB.
  commandHooks: {
    beforeBundling: (inputDir: string) => [shakeablePkijsCommand(inputDir)],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/data"`,
      `cp "${inputDir}/lambdas/core/x509/data/pki-goog-roots.pem" "${outputDir}/data/pki-goog-roots.pem"`,
    ],
  },
});

/**
 * The bundling of a function that ships a consumer policy: the portable JSON (PEM inline) is written
 * beside index.js as `data/consumer-policy.json` (Lambda's 4 KB environment cannot hold CA files). The
 * bundle's asset hash is of its output, so a new policy is a new code asset.
 */
export function watchHandlerBundling(consumerPolicyJson?: string, targets?: readonly string[]): BundlingOptions {
  if (consumerPolicyJson === undefined && targets === undefined) return WATCH_HANDLER_BUNDLING;
  const base64 =
    consumerPolicyJson === undefined ? undefined : Buffer.from(consumerPolicyJson, 'utf8').toString('base64');
  // A list of thousands of targets exceeds one command-line argument (128 KiB): it is staged in a file.
  const staged = targets === undefined ? undefined : stageTargets(targets);
  return Object.freeze({
    ...WATCH_HANDLER_BUNDLING,
    commandHooks: {
      beforeBundling: (inputDir: string, outputDir: string) =>
        WATCH_HANDLER_BUNDLING.commandHooks?.beforeBundling(inputDir, outputDir) ?? [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        ...(WATCH_HANDLER_BUNDLING.commandHooks?.afterBundling(inputDir, outputDir) ?? []),
        ...(base64 === undefined ? [] : [`echo ${base64} | base64 -d > "${outputDir}/data/consumer-policy.json"`]),
        ...(staged === undefined ? [] : [`cp "${staged}" "${outputDir}/data/${SHIPPED_TARGETS_FILE}"`]),
      ],
    },
  });
}

/** Writes the target list (one per line) to a file named by its content, for the bundling hook to copy. */
function stageTargets(targets: readonly string[]): string {
  const text = `${targets.join('\n')}\n`;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `certwatch-targets-${digest}.txt`);
  writeFileSync(path, text);
  return path;
}

/** The assumptions of {@link sizeFunctionTimeout}. */
export const TIMEOUT_SIZING = Object.freeze({
  /** Addresses assumed behind each name (Google's hosts publish one or two A and AAAA records each). */
  addressesPerTarget: 4,
  /** Probes in flight at once (the handler's default). */
  concurrency: SETTINGS.concurrency.default,
  /** Name resolution may take up to two probe timeouts (DNS answer, then the system resolver). */
  resolutionTimeouts: 2,
  /** Reading and writing the history and publishing notices. */
  storeAndPublishSeconds: 30,
  minSeconds: 30,
  /** Lambda's limit. */
  maxSeconds: 900,
});

/** What the timeout depends on. */
export interface TimeoutInput {
  targets: readonly Target[];
  keyTypes: readonly KeyType[];
  probeTimeoutMs: number;
}

/**
 * The function timeout: every probe has its own deadline and probes run in waves of `concurrency`, so a
 * cycle takes at most (resolution + waves) probe timeouts plus the store and publish work:
 * `ceil(probeTimeout × (2 + ceil(targets × 4 addresses × keyTypes / 32))) + 30 s`, at least 30 s.
 * @throws ConfigError when that exceeds Lambda's 15 minutes
 */
export function sizeFunctionTimeout(input: TimeoutInput, options: { capSeconds?: number } = {}): Duration {
  const s = TIMEOUT_SIZING;
  const probes = input.targets.length * s.addressesPerTarget * input.keyTypes.length;
  const waves = Math.ceil(probes / s.concurrency);
  const seconds = Math.ceil((input.probeTimeoutMs * (s.resolutionTimeouts + waves)) / 1000) + s.storeAndPublishSeconds;
  // A fanned-out run gives each shard at most the cap (the plan step sizes shards to fit it), but never
  // less than one wave of probes needs: a shard of one target must fit.
  const oneWave = Math.ceil((input.probeTimeoutMs * (s.resolutionTimeouts + 1)) / 1000) + s.storeAndPublishSeconds;
  const capped = options.capSeconds === undefined ? seconds : Math.max(oneWave, Math.min(seconds, options.capSeconds));
  if (capped > s.maxSeconds) {
    throw watcherRefusal(
      SETTINGS.targets,
      `${input.targets.length} targets × ${input.keyTypes.length} key types with a ${input.probeTimeoutMs} ms probe timeout ` +
        `need a ${capped} s function timeout, over Lambda's ${s.maxSeconds} s: watch fewer targets or lower probeTimeoutMs`,
    );
  }
  return Duration.seconds(Math.max(s.minSeconds, capped));
}

/** A posture cycle enumerates many handshakes per address: it gets at least this long. */
export const POSTURE_FUNCTION_TIMEOUT = Duration.minutes(5);

/**
 * The function timeout of a watcher: sized from its probed targets, at least
 * {@link POSTURE_FUNCTION_TIMEOUT} while posture cycles run, and shorter than the schedule period.
 * @throws ConfigError when it does not fit Lambda or the schedule
 */
export function watcherFunctionTimeout(
  settings: Pick<WatcherSettings, 'keyTypes' | 'probeTimeoutMs' | 'postureSchedule' | 'schedule'>,
  targets: readonly Target[],
): Duration {
  // One invocation probes one shard: the plan step cuts the list so that a shard fits this timeout.
  const cycle = sizeFunctionTimeout(
    { targets, keyTypes: settings.keyTypes, probeTimeoutMs: settings.probeTimeoutMs },
    { capSeconds: FAN_OUT.shardBudgetSeconds * 2 },
  );
  const posture = settings.postureSchedule !== 'off' && cycle.toSeconds() < POSTURE_FUNCTION_TIMEOUT.toSeconds();
  const timeout = posture ? POSTURE_FUNCTION_TIMEOUT : cycle;
  const period = settings.schedule.toSeconds();
  if (timeout.toSeconds() >= period) {
    throw watcherRefusal(
      SETTINGS.schedule,
      `the function timeout (${timeout.toSeconds()} s, sized from the targets and probe timeout) must be shorter ` +
        `than the schedule period (${period} s): choose a slower schedule`,
    );
  }
  return timeout;
}

/** What the function environment carries. */
export interface FunctionEnvInput {
  tableName: string;
  topicArn: string;
  targets: readonly Target[];
  keyTypes: readonly KeyType[];
  probeTimeoutMs: number;
  trust: 'node' | 'google';
  port25Blocked: boolean;
  watch: WatchConfig;
  /** Posture rules, as written (`min-version=TLS1.2`). */
  postureRequire: readonly string[];
  heartbeat: 'weekly' | 'off';
  addressFamilies: readonly (4 | 6)[];
  /** DNS servers for every lookup; empty = the function's own resolver. */
  dns?: readonly string[];
  /** SHA-256 of the shipped consumer policy, when there is one. */
  policySha256?: string;
}

/**
 * The function's environment variables. No target list: the stack ships it beside the handler
 * (`data/watch-targets.txt`, see {@link watchHandlerBundling}) and the plan step merges it into the table.
 */
export function functionEnvironment(input: FunctionEnvInput): Record<string, string> {
  return {
    [HANDLER_ENV.tableName]: input.tableName,
    [HANDLER_ENV.topicArn]: input.topicArn,
    [HANDLER_ENV.keyTypes]: input.keyTypes.join(','),
    [HANDLER_ENV.probeTimeoutMs]: String(input.probeTimeoutMs),
    [HANDLER_ENV.trust]: input.trust,
    [HANDLER_ENV.addressFamilies]: input.addressFamilies.join(','),
    ...(input.dns && input.dns.length > 0 ? { [HANDLER_ENV.dns]: input.dns.join(',') } : {}),
    [HANDLER_ENV.port25Blocked]: String(input.port25Blocked),
    [HANDLER_ENV.expiryThresholdsDays]: input.watch.expiryThresholdsDays.join(','),
    [HANDLER_ENV.staleAfterCycles]: String(input.watch.staleAfterCycles),
    [HANDLER_ENV.staleAfterHours]: String(input.watch.staleAfterHours),
    [HANDLER_ENV.mixWindowHours]: String(input.watch.mixWindowHours),
    [HANDLER_ENV.retireShareFloor]: String(input.watch.retireShareFloor),
    [HANDLER_ENV.rolloutSamples]: String(input.watch.rolloutSamples),
    [HANDLER_ENV.pinUnusedAfterDays]: String(input.watch.pinUnusedAfterDays),
    [HANDLER_ENV.failingAfter]: String(input.watch.failingAfter),
    [HANDLER_ENV.rotationOverdueShare]: String(input.watch.rotationOverdueShare),
    // An empty value is an error: no rules means no variable.
    ...(input.postureRequire.length > 0 ? { [HANDLER_ENV.postureRequire]: input.postureRequire.join(',') } : {}),
    [HANDLER_ENV.heartbeat]: input.heartbeat,
    ...(input.policySha256 ? { [HANDLER_ENV.policySha256]: input.policySha256 } : {}),
    POWERTOOLS_SERVICE_NAME: WATCH_METRICS.service,
    POWERTOOLS_METRICS_NAMESPACE: WATCH_METRICS.namespace,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // The bundle is minified: stack traces in the logs need its source map.
    NODE_OPTIONS: '--enable-source-maps',
  };
}
