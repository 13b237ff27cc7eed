/**
 * Settings of the watch function: its bundle and its environment (the handler's contract in
 * lambdas/contract/function-env.ts). Its timeout comes from the run's times (lib/run-timing.ts).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  type FunctionEnvInput,
  functionSettingsEnvironment,
  SHIPPED_TARGETS_FILE,
} from '../lambdas/contract/function-env';
import { WATCH_METRICS } from '../lambdas/contract/metrics';

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
  // License texts of the bundled packages go beside index.js (index.js.LEGAL.txt, deployed with it) instead
  // of at its end: 4 KB less to read at every cold start.
  esbuildArgs: { '--alias': `pkijs=./${SHAKEABLE_PKIJS}`, '--legal-comments': 'external' },
  // The notice catalogue's words for docs/notices.md (`when`, `fields`, `example` of each type) are never
  // read by a function: folded out (lambdas/core/notices/kind.ts, NOTICE_DOCS), about 25 kB.
  define: { 'process.env.CERTWATCH_NOTICE_DOCS': JSON.stringify('off') },
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

/**
 * The function's environment variables: every deployed setting of the table (lambdas/contract/function-env.ts)
 * and the Powertools and Node options. No target list: the stack ships it beside the handler
 * (`data/watch-targets.txt`, see {@link watchHandlerBundling}) and the plan step merges it into the table.
 */
export function functionEnvironment(input: FunctionEnvInput): Record<string, string> {
  return {
    ...functionSettingsEnvironment(input),
    POWERTOOLS_SERVICE_NAME: WATCH_METRICS.service,
    POWERTOOLS_METRICS_NAMESPACE: WATCH_METRICS.namespace,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // The bundle is minified: stack traces in the logs need its source map.
    NODE_OPTIONS: '--enable-source-maps',
  };
}
