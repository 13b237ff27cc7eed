/**
 * What the suites that run the deployed artefact share (handler-bundle, handler-policy-bundle): the
 * handler bundle from a real synth of the stack, the embedded DynamoDB engine in memory, SNS mocked at
 * the SDK boundary (aws-sdk-client-mock: the bundle keeps @aws-sdk external, as in Lambda), the
 * environment the stack gives the function pointed at loopback servers, and a Lambda context.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { type HandlerBundle, synthHandlerBundle } from '../bench/bundle-bench';

/** The handler's signature, as the tests call it in-process. */
export type BundleHandler = (event: unknown, context: Context) => Promise<unknown>;

/** A Lambda context for in-process invocations: a minute left, whatever the clock says. */
export function lambdaContext(name: string): Context {
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `${name}-request`,
    getRemainingTimeInMillis: () => 60_000,
  } as unknown as Context;
}

/** Where the function is pointed: its targets, the loopback addresses they resolve to, the test root. */
export interface BundleTargets {
  targets: readonly string[];
  /** `HOST:PORT:ADDR` pins, one per target. */
  resolve: readonly string[];
  rootPem: string;
}

/** The synthesized bundle, its store and mocked topic, started by `start` and stopped by `stop`. */
export interface BundleWorld {
  readonly bundle: HandlerBundle;
  readonly store: EmbeddedStore;
  readonly sns: AwsClientStub<SNSClient>;
  readonly topicArn: string;
  /** Synthesizes the bundle (real esbuild) and starts the store: call in `beforeAll`. */
  start(options?: Parameters<typeof synthHandlerBundle>[0]): Promise<void>;
  /** The stack's environment for the function, pointed at the store, the topic and `where`. */
  environment(where: BundleTargets): Record<string, string>;
  /** Loads the bundle's handler (again: `fresh` loads a new copy that reads the environment anew). */
  handler(options?: { fresh?: boolean }): BundleHandler;
  /** Restores the environment and SNS, closes the store, removes the bundle: call in `afterAll`. */
  stop(): Promise<void>;
}

/** A world for one suite; the SNS mock is installed at once and removed by `stop`. */
export function bundleWorld(name: string): BundleWorld {
  const savedEnv = { ...process.env };
  const sns = mockClient(SNSClient);
  const topicArn = `arn:aws:sns:us-east-1:123456789012:${name}`;
  let bundle: HandlerBundle | undefined;
  let store: EmbeddedStore | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the bundle world is not started');
    return value;
  };
  return {
    get bundle() {
      return started(bundle);
    },
    get store() {
      return started(store);
    },
    sns,
    topicArn,
    async start(options) {
      bundle = synthHandlerBundle(options);
      store = await startEmbeddedStore({ inMemory: true });
    },
    environment(where) {
      return {
        ...started(bundle).environment,
        CERTWATCH_TABLE_NAME: started(store).tableName,
        CERTWATCH_TOPIC_ARN: topicArn,
        CERTWATCH_TARGETS: where.targets.join(','),
        CERTWATCH_RESOLVE: where.resolve.join(' '),
        CERTWATCH_EXTRA_CA_PEM: where.rootPem,
        CERTWATCH_EHLO_NAME: 'certwatch.test',
        CERTWATCH_PROBE_TIMEOUT_MS: '5000',
        DYNAMODB_ENDPOINT: started(store).endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'certwatch',
        AWS_SECRET_ACCESS_KEY: 'certwatch',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
    },
    handler(options = {}) {
      const file = started(bundle).file;
      let loaded: BundleHandler | undefined;
      if (options.fresh) {
        jest.isolateModules(() => {
          loaded = (require(file) as { handler: BundleHandler }).handler;
        });
      } else {
        loaded = (require(file) as { handler: BundleHandler }).handler;
      }
      return loaded as BundleHandler;
    },
    async stop() {
      process.env = savedEnv;
      sns.restore();
      await store?.close();
      bundle?.cleanup();
    },
  };
}

/** An EMF metric the handler wrote: its name, value and dimensions. */
export interface EmfMetric {
  name: string;
  value: unknown;
  dimensions: Record<string, string>;
}

/** Runs `act` with stdout and stderr captured (the handler's logs); returns the EMF metrics written. */
export async function captureMetrics(act: () => Promise<void>): Promise<EmfMetric[]> {
  const output: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  const writeError = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await act();
  } finally {
    write.mockRestore();
    writeError.mockRestore();
  }
  return output
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const emf = JSON.parse(line);
      const [declared] = emf._aws.CloudWatchMetrics;
      const dimensions = Object.fromEntries((declared.Dimensions[0] as string[]).map((d) => [d, emf[d]]));
      return declared.Metrics.map((m: { Name: string }) => ({ name: m.Name, value: emf[m.Name], dimensions }));
    });
}
