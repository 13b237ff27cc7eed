/**
 * The deployed run, executed here: the stack synthesized with real bundling, the state machine's ASL
 * taken from the template (its Fn::Join and Fn::GetAtt resolved by hand) and checked with npm
 * asl-validator, run by npm aws-local-stepfunctions, each Task invoking the synthesized bundle
 * (`cdk.out/asset.<hash>/index.js`) under npm lambda-local in a child process per invocation with the
 * template's environment and timeout. The store and SNS endpoints are the caller's (dynalite, the fauxqs
 * emulator). Overrides make it quick: every timeout of the template scaled by one factor (so the sum
 * still adds up) and retry waits shortened. Known differences from AWS: the Distributed Map runs as an
 * inline Map (MaxConcurrency honoured); `$$.State.RetryCount` is not kept by the local runner (given 0).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CertwatchStack } from '../../../lib/certwatch-stack';

const ROOT = join(__dirname, '..', '..', '..');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:certwatch-watch`;

// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions uses (Node 22 has it).
const promises = Promise as unknown as { withResolvers?: () => unknown };
promises.withResolvers ??= <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};

// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language, handled as plain JSON
export type Asl = Record<string, any>;

/** What a synthesis gives the local run. */
export interface SynthesizedRun {
  bundleFile: string;
  /** The CT reader's bundle (lambdas/ct/handler.ts), when the stack has one. */
  ctBundleFile: string | null;
  /** The function's environment as synthesized (CloudFormation references left out). */
  environment: Record<string, string>;
  functionSeconds: number;
  /** The state machines' definitions, by construct id (`RunMachine`, `PostureMachine`). */
  machines: Record<string, Asl>;
  cleanup(): void;
}

/** Synthesizes the default stack (plus `context`) with bundling and takes out what a run needs. */
export function synthesizeRun(context: Record<string, unknown> = {}): SynthesizedRun {
  const cache = join(ROOT, 'node_modules', '.cache', 'certwatch');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'run-'));
  const cdk = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ outdir, context: { ...cdk.context, ...context } });
  const stack = new CertwatchStack(app, 'CertwatchLocalRun', { env: { account: ACCOUNT, region: REGION } });
  Validations.of(stack).acknowledge({
    id: 'Annotation::certwatch:port25-targets-left-out',
    reason: 'synthesized to be executed on loopback',
  });
  const template = app.synth().getStackByName(stack.stackName).template;
  const fnId = stack.getLogicalId(stack.watcher.fn.node.defaultChild as CfnFunction);
  const fn = template.Resources[fnId];
  const machines: Record<string, Asl> = {};
  // Every function a Task may invoke: the watch function, and the CT reader (the same bundle).
  const functions = new Set(
    Object.entries(template.Resources as Record<string, Asl>)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id),
  );
  for (const [id, resource] of Object.entries(template.Resources as Record<string, Asl>)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = /Watcher(\w+Machine)Run/.exec(id)?.[1] ?? id;
    machines[name] = JSON.parse(resolveJoin(resource.Properties.DefinitionString, functions));
  }
  const ctId = stack.watcher.ctReader
    ? stack.getLogicalId(stack.watcher.ctReader.handler.node.defaultChild as CfnFunction)
    : null;
  const bundleOf = (resource: Asl) =>
    join(outdir, `asset.${String(resource.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.js');
  return {
    bundleFile: bundleOf(fn),
    ctBundleFile: ctId ? bundleOf(template.Resources[ctId]) : null,
    environment: Object.fromEntries(
      Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    ),
    functionSeconds: fn.Properties.Timeout,
    machines,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/**
 * The definition string with its intrinsic functions resolved: the functions' ARN (the Task handler picks
 * the bundle by state: the CT reader's for ReadCtLogs) and the pseudo parameters.
 */
function resolveJoin(value: unknown, functions: ReadonlySet<string>): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected definition: ${JSON.stringify(value).slice(0, 200)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as Record<string, unknown>;
      const att = p['Fn::GetAtt'] as [string, string] | undefined;
      if (att && functions.has(att[0]) && att[1] === 'Arn') return FUNCTION_ARN;
      const ref = p.Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return REGION;
      if (ref === 'AWS::AccountId') return ACCOUNT;
      throw new Error(`cannot resolve ${JSON.stringify(part)} in the definition`);
    })
    .join('');
}

/**
 * The definition with every time of the template scaled by `factor` (state and execution timeouts, the
 * Plan's shard window), so that the run takes seconds and its sum still adds up as the template's does.
 */
export function scaledDefinition(definition: Asl, factor: number): Asl {
  const copy = JSON.parse(JSON.stringify(definition)) as Asl;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      for (const key of ['TimeoutSeconds', 'windowSeconds']) {
        if (typeof o[key] === 'number') o[key] = (o[key] as number) * factor;
      }
      Object.values(o).forEach(visit);
    }
  };
  visit(copy);
  return copy;
}

/** The Task states of a definition, nested ones (the Map's) included. */
export function taskStates(definition: Asl): string[] {
  const names: string[] = [];
  const visit = (states: Record<string, Asl>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') names.push(name);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit(definition.States);
  return names;
}

/** The outcome of one invocation. */
export type Invocation = { ok: true; result: unknown } | { ok: false; errorType: string; errorMessage: string };

/** How to invoke the bundle. */
export interface BundleInvoker {
  bundleFile: string;
  environment: Record<string, string>;
  timeoutMs: number;
}

/**
 * Invokes the bundle once in a child process (lambda-local). `onStart` may kill the child (an
 * invocation cut off mid-way): that is an error, as Lambda reports one.
 */
export async function invokeBundle(
  invoker: BundleInvoker,
  event: unknown,
  onStart?: (child: ReturnType<typeof spawn>) => void,
): Promise<Invocation> {
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'certwatch', 'invoke-'));
  const resultFile = join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, [join(__dirname, 'lambda-child.cjs')], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), ...invoker.environment },
    });
    child.stdin.end(
      JSON.stringify({
        bundle: invoker.bundleFile,
        event,
        environment: invoker.environment,
        timeoutMs: invoker.timeoutMs,
        resultFile,
      }),
    );
    onStart?.(child);
    const code = await new Promise<number | string>((resolve) =>
      child.on('close', (c, signal) => resolve(signal ?? c ?? 0)),
    );
    try {
      return JSON.parse(readFileSync(resultFile, 'utf8')) as Invocation;
    } catch {
      return { ok: false, errorType: 'Runtime.ExitError', errorMessage: `the invocation's process ended (${code})` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How an execution ended. */
export interface Execution {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
}

/**
 * Runs a definition with aws-local-stepfunctions, every Task handled by `invoke` (state name, the Task's
 * effective input), every Retry wait shortened to `retryWaitMs`.
 */
export async function executeDefinition(
  definition: Asl,
  invoke: (state: string, payload: unknown) => Promise<unknown>,
  options: { retryWaitMs: number; input?: unknown },
): Promise<Execution> {
  const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  for (const name of taskStates(definition)) {
    handlers[name] = (input) => invoke(name, input);
    waits[name] = options.retryWaitMs;
  }
  const input = options.input ?? {};
  const execution = machine.run(
    input as never,
    {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: waits },
      context: { Execution: { Input: input, StartTime: new Date().toISOString() }, State: { RetryCount: 0 } },
    } as never,
  );
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    // The library wraps what failed the execution (a Fail state's Error and Cause, a Task's error).
    const inner = ((error as { cause?: unknown }).cause ?? error) as { name?: string; message?: string };
    return { status: 'FAILED', error: inner.name, cause: inner.message };
  }
}

/** A Task handler that invokes the bundle and turns a failed invocation into the error Step Functions sees. */
export function bundleTask(
  invoker: BundleInvoker,
  hook?: (state: string, payload: unknown, attempt: number) => ((child: ReturnType<typeof spawn>) => void) | undefined,
): (state: string, payload: unknown) => Promise<unknown> {
  const attempts = new Map<string, number>();
  return async (state, payload) => {
    const key = `${state} ${JSON.stringify(payload)}`;
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    const outcome = await invokeBundle(invoker, payload, hook?.(state, payload, attempt));
    if (outcome.ok) return outcome.result;
    const error = new Error(outcome.errorMessage);
    error.name = outcome.errorType;
    throw error;
  };
}

/** Validates a definition with asl-validator; returns its errors (none: valid). */
export function aslErrors(definition: Asl): string[] {
  const validate = require('asl-validator') as (d: unknown) => {
    isValid: boolean;
    errorsText: (sep?: string) => string;
  };
  const { isValid, errorsText } = validate(definition);
  return isValid ? [] : errorsText('\n').split('\n');
}

/** A message as the emulator saw it published. */
export interface PublishedMessage {
  messageId: string;
  body: string;
  attributes: Record<string, { StringValue?: string }>;
}

/** The loopback SNS endpoint (fauxqs in a child process). */
export interface SnsEmulator {
  endpoint: string;
  /** A new topic (one per scenario keeps scenarios apart). */
  topic(name: string): Promise<string>;
  /** Every message published to a topic so far. */
  messages(topicArn: string): Promise<PublishedMessage[]>;
  close(): Promise<void>;
}

/** Starts the fauxqs emulator on 127.0.0.1. */
export async function startSnsEmulator(): Promise<SnsEmulator> {
  const child = spawn(process.execPath, [join(__dirname, 'sns-emulator.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending: Array<(line: string) => void> = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      pending.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => pending.push(resolve));
  const { port } = JSON.parse(await nextLine()) as { port: number };
  const ask = async (command: string) => {
    const line = nextLine();
    child.stdin.write(`${command}\n`);
    return JSON.parse(await line);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    topic: async (name) => ((await ask(`topic ${name}`)) as { topicArn: string }).topicArn,
    messages: (topicArn) => ask(`messages ${topicArn}`),
    close: () =>
      new Promise<void>((resolve) => {
        child.on('close', () => resolve());
        child.stdin.end();
      }),
  };
}

/** A published notice as a subscriber of the raw JSON sees it. */
export function noticeOf(message: { body: string }): {
  type: string;
  dedupeKey: string;
  target: string | null;
  subject: string;
} {
  const outer = JSON.parse(message.body) as { default?: string };
  return JSON.parse(outer.default ?? message.body);
}
