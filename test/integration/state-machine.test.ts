/**
 * The deployed run, executed: the state machine synthesized from the stack (its ASL taken out of the
 * template and validated with asl-validator) runs under npm aws-local-stepfunctions; every Task invokes
 * the synthesized handler bundle under npm lambda-local, one child process per invocation, with the
 * template's environment and its timeout; the table is dynalite, SNS the fauxqs emulator on loopback
 * (named as an emulator), the targets real SMTP servers on loopback, the Certificate Transparency log a
 * test log on loopback (its list unsigned, named by CERTWATCH_CT_LOGS). Every time of the template is scaled
 * by one factor and retry waits shortened, so each scenario takes seconds (test/support/local-aws/).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probingMs, shardOf } from '../../lambdas/core/run-budget';
import { parseWatchTargets } from '../../lambdas/core/watch-list';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { cli as certwatch } from '../support/cli';
import { leafKey, openCtCa } from '../support/ct-certs';
import { type CtLogServer, issueThroughLogs, startCtLogServer, TestCtLog } from '../support/ct-log';
import { hostile, type ScriptedServer, startScriptedServer } from '../support/hostile-servers';
import {
  type Asl,
  aslErrors,
  type BundleInvoker,
  bundleTask,
  type Execution,
  executeDefinition,
  noticeOf,
  type SnsEmulator,
  type SynthesizedRun,
  scaledDefinition,
  startSnsEmulator,
  synthesizeRun,
} from '../support/local-aws/local-run';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, HOST, type Pki } from './cycle-harness';

/** The function gets this long here (the template's 135 s scaled), and every other time alike. */
const FUNCTION_SECONDS = 48;
/** Generous: the machine may be busy (a loaded machine slows handshakes in a fresh process). */
const PROBE_TIMEOUT_MS = 5000;
/** The black-holed targets' probes only wait: a short timeout keeps the grown list quick. */
const SILENT_PROBE_TIMEOUT_MS = 1000;
const RETRY_WAIT_MS = 200;

let synthesized: SynthesizedRun;
let watch: Asl;
let factor: number;
let sns: SnsEmulator;
let pki: Pki;
let good: SmtpTestServer[];
let special: { mismatch: SmtpTestServer; expiring: SmtpTestServer };
const extraServers: SmtpTestServer[] = [];
let silent: ScriptedServer;
let store: EmbeddedStore;
let topicArn: string;
let topics = 0;
let ctLog: TestCtLog;
let ctServer: CtLogServer;

beforeAll(async () => {
  synthesized = synthesizeRun();
  factor = FUNCTION_SECONDS / synthesized.functionSeconds;
  watch = synthesized.machines.RunMachine;
  sns = await startSnsEmulator();
  pki = await createPki('executed');
  const cert = await pki.leaf();
  good = await Promise.all(
    Array.from({ length: 4 }, () => startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST })),
  );
  special = {
    mismatch: await startSmtpTestServer({
      address: '127.0.0.2',
      certs: [await pki.leaf({ hostnames: ['other.example'] })],
      greeting: HOST,
    }),
    expiring: await startSmtpTestServer({
      address: '127.0.0.2',
      certs: [await pki.leaf({ from: -80, to: 10 })],
      greeting: HOST,
    }),
  };
  silent = await startScriptedServer(hostile.silence(), '127.0.0.2');
  ctLog = new TestCtLog({ name: 'executed', protocol: 'static-ct', now: () => Date.now() });
  ctLog.publish();
  ctServer = await startCtLogServer([ctLog]);
  // Unsigned: a list URL with no signature beside it is taken as is (the deployed default is Chrome's, signed).
  ctServer.overrideList(Buffer.from(JSON.stringify(ctServer.logList())), null);
}, 180_000);

afterAll(async () => {
  await Promise.all([...(good ?? []), ...extraServers, ...Object.values(special ?? {})].map((s) => s.close()));
  await silent?.close();
  await ctServer?.close();
  await sns?.close();
  synthesized?.cleanup();
});

beforeEach(async () => {
  store = await startEmbeddedStore({ inMemory: true });
  topics += 1;
  topicArn = await sns.topic(`certwatch-${topics}`);
});

afterEach(async () => {
  await store.close();
});

const url = (s: { port: number }) => `smtp://${HOST}:${s.port}`;
const silentUrl = (i: number) => `smtp://silent-${i}.test:${silent.port}`;
const pins = (urls: string[]) =>
  urls
    .map((u) => {
      const { hostname, port } = new URL(u);
      return `${hostname}:${port}:127.0.0.2`;
    })
    .join(' ');

/** The bundle's invoker: the template's environment pointed at the loopback parts, the scaled timeout. */
function invoker(context: string[], resolve: string[], overrides: Record<string, string> = {}): BundleInvoker {
  return {
    bundleFile: synthesized.bundleFile,
    timeoutMs: FUNCTION_SECONDS * 1000,
    environment: {
      ...synthesized.environment,
      CERTWATCH_TABLE_NAME: store.tableName,
      DYNAMODB_ENDPOINT: store.endpoint,
      CERTWATCH_TOPIC_ARN: topicArn,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      CERTWATCH_TARGETS: context.join(','),
      CERTWATCH_CT_LOGS: ctServer.listUrl,
      CERTWATCH_RESOLVE: pins(resolve),
      CERTWATCH_EXTRA_CA_PEM: pki.root.certPem,
      CERTWATCH_EHLO_NAME: 'certwatch.test',
      CERTWATCH_PROBE_TIMEOUT_MS: String(PROBE_TIMEOUT_MS),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'certwatch',
      AWS_SECRET_ACCESS_KEY: 'certwatch',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...overrides,
    },
  };
}

/** One Task invocation of an execution and how it ended. */
interface Invoked {
  state: string;
  payload: Record<string, unknown>;
  result?: unknown;
  error?: string;
}

/**
 * Every Task invoking the watch bundle, but ReadCtLogs the CT reader's bundle (lambdas/ct/handler.ts) with the
 * same environment.
 */
function runTask(bundle: BundleInvoker, hook?: Parameters<typeof bundleTask>[1]) {
  const main = bundleTask(bundle, hook);
  const ct = bundleTask({ ...bundle, bundleFile: synthesized.ctBundleFile as string }, hook);
  return (state: string, payload: unknown) => (state === 'ReadCtLogs' ? ct : main)(state, payload);
}

/** Runs the scaled watch (or posture) state machine once, every Task invoking the bundle. */
async function execute(
  bundle: BundleInvoker,
  hook?: Parameters<typeof bundleTask>[1],
  machine: Asl = watch,
): Promise<Execution & { invocations: Invoked[] }> {
  const invocations: Invoked[] = [];
  const task = runTask(bundle, hook);
  const execution = await executeDefinition(
    scaledDefinition(machine, factor),
    async (state, payload) => {
      const record: (typeof invocations)[number] = { state, payload: payload as Record<string, unknown> };
      invocations.push(record);
      try {
        record.result = await task(state, payload);
        return record.result;
      } catch (error) {
        record.error = (error as Error).message;
        throw error;
      }
    },
    { retryWaitMs: RETRY_WAIT_MS },
  );
  return { ...execution, invocations };
}

/** The notices this scenario's topic received. */
async function published() {
  return (await sns.messages(topicArn)).map(noticeOf);
}

/** A stored probe rate that cuts `entries` into shards of `perShard` in the scaled function's time. */
async function forceShardsOf(perShard: number) {
  const seconds = probingMs(FUNCTION_SECONDS * 1000) / 1000 / (perShard + 0.5);
  await store.store.saveProbeRate({ entries: 1, seconds, at: new Date(0).toISOString() });
}

test('the synthesized definitions are valid Amazon States Language and every time of them adds up once scaled', () => {
  // Act
  const errors = Object.values(synthesized.machines).flatMap((d) => aslErrors(d));

  // Assess
  expect(Object.keys(synthesized.machines).sort()).toEqual(['PostureMachine', 'RunMachine']);
  expect(errors).toEqual([]);
  expect(aslErrors({ StartAt: 'Missing', States: {} })).not.toEqual([]);
});

test('a normal run plans, probes and merges: one BASELINE on the topic, every target stored', async () => {
  // Prepare
  const targets = good.slice(0, 3).map(url);

  // Act
  const run = await execute(invoker(targets, targets));

  // Assess
  expect(run).toMatchObject({ status: 'SUCCEEDED' });
  expect(run.invocations.map((i) => i.state)).toEqual(['Plan', 'ReadCtLogs', 'Shard', 'Merge']);
  const notices = await published();
  expect(notices.map((n) => n.type)).toEqual(['BASELINE']);
  for (const target of targets) expect((await store.store.loadTarget(target)).state).not.toBeNull();
}, 120_000);

test('the CT step reads the loopback log between Plan and the shards; the merge publishes CERTIFICATE_ISSUED', async () => {
  // Prepare: a first run meets the log at its size; then a certificate for the watched host is logged.
  const targets = [url(good[0])];
  await execute(invoker(targets, targets));
  const ca = openCtCa(pki.intermediate);
  try {
    issueThroughLogs(
      ca,
      [pki.intermediate.der, pki.root.der],
      { names: [HOST], serial: '0c7e01', notBefore: new Date(), notAfter: new Date(Date.now() + 30 * 86_400_000) },
      leafKey(),
      [ctLog],
    );
  } finally {
    ca.close();
  }

  // Act
  const run = await execute(invoker(targets, targets));

  // Assess
  expect(run).toMatchObject({ status: 'SUCCEEDED' });
  expect(run.invocations.map((i) => i.state)).toEqual(['Plan', 'ReadCtLogs', 'Shard', 'Merge']);
  const notices = await published();
  const issued = notices.filter((n) => n.type === 'CERTIFICATE_ISSUED');
  expect(issued).toHaveLength(1);
  expect(JSON.stringify(issued[0])).toContain(HOST);
  expect((await store.store.loadCtLogStates()).map((s) => s.position)).toEqual([ctLog.size]);
}, 180_000);

test('a run forced into 6 shards, two child executions of them, publishes what `certwatch check` prints, notice for notice', async () => {
  // Prepare: six targets, one of them with a certificate for another name and one expiring in 10 days,
  // one a shard: a group of 4 shards and one of 2 (lib/run-state-machine.ts SHARDS_PER_CHILD)
  const targets = [...good.map(url), url(special.mismatch), url(special.expiring)];
  await forceShardsOf(1);
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-executed-'));
  const ca = join(dir, 'root.pem');
  writeFileSync(ca, pki.root.certPem);

  // Act
  const run = await execute(invoker(targets, targets));
  const check = await certwatch([
    'check',
    ...targets,
    ...targets.flatMap((t) => ['--resolve', pins([t])]),
    '--ca',
    ca,
    '--timeout',
    String(PROBE_TIMEOUT_MS),
    '--ehlo',
    'certwatch.test',
    '--store',
    join(dir, 'store'),
    '--json',
  ]);
  rmSync(dir, { recursive: true, force: true });

  // Assess
  expect(run.status).toBe('SUCCEEDED');
  const shards = run.invocations.filter((i) => i.state === 'Shard');
  expect(shards.map((i) => i.payload.shard).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  expect(shards.every((i) => i.payload.shardCount === 6)).toBe(true);
  const fromRun = (await published()).map((n) => `${n.type} ${n.target} ${n.subject}`).sort();
  const fromCheck = (JSON.parse(check.stdout).published as Array<{ type: string; target: string; subject: string }>)
    .map((n) => `${n.type} ${n.target} ${n.subject}`)
    .sort();
  expect(fromRun).toEqual(fromCheck);
  expect(fromRun.map((n) => n.split(' ')[0]).sort()).toEqual(
    expect.arrayContaining(['BASELINE', 'EXPIRY_WARNING', 'HOSTNAME_MISMATCH']),
  );
}, 180_000);

test('a shard failing on every attempt is retried, the merge still publishes the others, then the run fails', async () => {
  // Prepare: two shards, each holding a target (entries go to shards by a hash of their key, and four
  // random ports may all land in one: more servers until both shards hold one); every invocation of
  // the first target's shard finds no table
  const servers = [...good];
  const shardsOf = () => parseWatchTargets(servers.map(url)).map((e) => shardOf(e.key, 2));
  while (new Set(shardsOf()).size < 2 && servers.length < 12) {
    const extra = await startSmtpTestServer({ address: '127.0.0.2', certs: [await pki.leaf()], greeting: HOST });
    extraServers.push(extra);
    servers.push(extra);
  }
  const targets = servers.map(url);
  const brokenShard = shardsOf()[0];
  await forceShardsOf(Math.ceil(targets.length / 2));
  const healthy = invoker(targets, targets);
  const broken = invoker(targets, targets, { CERTWATCH_TABLE_NAME: 'no-such-table' });
  const task = runTask(healthy);
  const brokenTask = runTask(broken);

  // Act
  const invocations: string[] = [];
  const run = await executeDefinition(
    scaledDefinition(watch, factor),
    async (state, payload) => {
      const shard = (payload as { shard?: number }).shard;
      invocations.push(`${state}${state === 'Shard' ? ` ${shard}` : ''}`);
      return state === 'Shard' && shard === brokenShard ? brokenTask(state, payload) : task(state, payload);
    },
    { retryWaitMs: RETRY_WAIT_MS },
  );

  // Assess
  expect(run).toMatchObject({ status: 'FAILED', error: 'ShardFailed' });
  expect(invocations.filter((i) => i === `Shard ${brokenShard}`)).toHaveLength(2);
  expect(invocations.at(-1)).toBe('MergeAfterShardFailure');
  const baseline = (await published()).filter((n) => n.type === 'BASELINE');
  expect(baseline).toHaveLength(1);
  const stored = await Promise.all(targets.map(async (t) => (await store.store.loadTarget(t)).state !== null));
  expect(stored).toEqual(shardsOf().map((shard) => shard !== brokenShard));
}, 180_000);

test('a list grown at run time by 150 targets that accept and never answer needs no redeploy: the run succeeds and saves its rate', async () => {
  // Prepare: the deployment's four targets, then 150 black-holed ones added to the table (as `targets add` does)
  const deployed = good.map(url);
  const grown = Array.from({ length: 150 }, (_, i) => silentUrl(i));
  const bundle = invoker(deployed, [...deployed, ...grown], {
    CERTWATCH_PROBE_TIMEOUT_MS: String(SILENT_PROBE_TIMEOUT_MS),
  });
  await execute(bundle);
  await store.store.addWatchTargets(grown, 'cli', new Date(), { reactivate: false });
  const before = Date.now();

  // Act
  const first = await execute(bundle);
  const rate = await store.store.loadProbeRate();
  const second = await execute(bundle);

  // Assess: no invocation ran out of time, the rate is the new one, and two runs observed every target
  for (const run of [first, second]) {
    expect(run.status).toBe('SUCCEEDED');
    expect(run.invocations.filter((i) => i.error)).toEqual([]);
  }
  expect(Date.parse(rate?.at ?? '')).toBeGreaterThanOrEqual(before);
  const unobserved = [];
  for (const target of [...deployed, ...grown]) {
    if ((await store.store.loadTarget(target)).state === null) unobserved.push(target);
  }
  expect(unobserved).toEqual([]);
}, 240_000);

test('a run interrupted mid-shard and retried loses nothing and publishes nothing twice', async () => {
  // Prepare: one shard of six targets plus one that never answers (it holds the probing open); the first
  // attempt's process is killed as soon as it has stored anything of its slice
  const targets = [...good.map(url), url(special.mismatch), url(special.expiring)];
  const all = [...targets, silentUrl(0)];
  let killed: string | null = null;
  const hook = (state: string, _payload: unknown, attempt: number) =>
    state === 'Shard' && attempt === 0
      ? (child: ChildProcess) => {
          const poll = setInterval(async () => {
            const states = await Promise.all(all.map(async (t) => (await store.store.loadTarget(t)).state));
            if (states.some((s) => s !== null) && child.exitCode === null) {
              killed = `${states.filter((s) => s !== null).length} of ${all.length} stored`;
              child.kill('SIGKILL');
            }
          }, 5);
          child.on('close', () => clearInterval(poll));
        }
      : undefined;

  // Act
  const run = await execute(invoker(all, all), hook);

  // Assess
  expect(killed).not.toBeNull();
  expect(run.status).toBe('SUCCEEDED');
  expect(run.invocations.filter((i) => i.state === 'Shard').map((i) => Boolean(i.error))).toEqual([true, false]);
  const notices = await published();
  const keys = notices.map((n) => n.dedupeKey);
  expect(new Set(keys).size).toBe(keys.length);
  expect(notices.filter((n) => n.type === 'BASELINE')).toHaveLength(1);
  for (const target of all) expect((await store.store.loadTarget(target)).state).not.toBeNull();
}, 180_000);

test('the posture run goes through the same fan-out: plan, shards that enumerate, a merge; postures stored', async () => {
  // Prepare
  const targets = good.slice(0, 2).map(url);

  // Act
  const run = await execute(invoker(targets, targets), undefined, synthesized.machines.PostureMachine);

  // Assess
  expect(run).toMatchObject({ status: 'SUCCEEDED' });
  const states = run.invocations.map((i) => i.state);
  expect(states[0]).toBe('Plan');
  expect(states.at(-1)).toBe('Merge');
  expect(states.slice(1, -1).every((s) => s === 'Shard')).toBe(true);
  expect(run.invocations.every((i) => i.payload.mode === 'posture')).toBe(true);
  for (const target of targets) expect(Object.keys(await store.store.loadPostures(target))).toEqual(['127.0.0.2']);
}, 180_000);
