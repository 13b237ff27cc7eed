/**
 * The deployed handler bundle, taken from a real synth of the stack (same NodejsFunction, same esbuild
 * settings, nothing re-declared here), and its cold-start figures. Budget (docs/performance.md): ≤ 600 KB minified
 * and ≤ 150 ms module init.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CertwatchStack, type CertwatchStackProps } from '../../lib/certwatch-stack';

const ROOT = resolve(__dirname, '..', '..');

/** A synthesized handler bundle on disk. */
export interface HandlerBundle {
  /** The bundle's entry file (`index.js`). */
  file: string;
  /** The function's environment as synthesized; values that are CloudFormation references are left out. */
  environment: Record<string, string>;
  /** Removes the synthesized assembly. */
  cleanup(): void;
}

/**
 * Synthesizes the default stack with bundling on and returns the function's asset. The assembly goes
 * under node_modules/.cache so that the bundle's external `@aws-sdk/*` imports resolve to this project's
 * SDK, as they resolve to the runtime's in Lambda.
 */
export function synthHandlerBundle(props: Pick<CertwatchStackProps, 'consumerPolicy'> = {}): HandlerBundle {
  const cache = join(ROOT, 'node_modules', '.cache', 'certwatch');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bundle-'));
  const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ outdir, context });
  const stack = new CertwatchStack(app, 'CertwatchBundle', {
    env: { account: '123456789012', region: 'us-east-1' },
    ...props,
  });
  Validations.of(stack).acknowledge({
    id: 'Annotation::certwatch:port25-targets-left-out',
    reason: 'the default configuration is synthesized only for its bundle',
  });
  const assembly = app.synth();
  const logicalId = stack.getLogicalId(stack.watcher.fn.node.defaultChild as CfnFunction);
  const resource = assembly.getStackByName(stack.stackName).template.Resources[logicalId];
  const s3Key: string = resource.Properties.Code.S3Key;
  const variables: Record<string, unknown> = resource.Properties.Environment.Variables;
  return {
    file: join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js'),
    environment: Object.fromEntries(
      Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/**
 * Requires the bundle in a fresh Node process (as a cold start does) and returns the milliseconds it took;
 * `withClient`: and then the DynamoDB client module, which the handler loads at its first store request
 * (the AWS SDK's clients are made on first use, so module init no longer includes them).
 */
function measureInit(bundle: HandlerBundle, withClient = false): number {
  const client = withClient ? 'require("@aws-sdk/client-dynamodb"); ' : '';
  const script =
    `const start = performance.now(); require(process.argv[1]); ${client}` +
    'process.stdout.write(String(performance.now() - start));';
  const child = spawnSync(process.execPath, ['-e', script, bundle.file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...bundle.environment,
      CERTWATCH_TABLE_NAME: 'certwatch-bench',
      CERTWATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:certwatch-bench',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  if (child.status !== 0) throw new Error(`requiring the bundle failed: ${child.stderr}`);
  return Number(child.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Bundle size (bytes of the minified `index.js`), median module init time over fresh processes, and the
 * same with the DynamoDB client loaded after it (what a cold start's first store request adds), interleaved.
 */
export async function runBundleBench(
  runs = 7,
): Promise<{ bundleBytes: number; initMs: number; initWithClientMs: number }> {
  const bundle = synthHandlerBundle();
  try {
    const bundleBytes = statSync(bundle.file).size;
    measureInit(bundle, true); // warms the file cache, as the Lambda image is warm on disk
    const init: number[] = [];
    const withClient: number[] = [];
    for (let i = 0; i < runs; i++) {
      init.push(measureInit(bundle));
      withClient.push(measureInit(bundle, true));
    }
    return { bundleBytes, initMs: median(init), initWithClientMs: median(withClient) };
  } finally {
    bundle.cleanup();
  }
}
