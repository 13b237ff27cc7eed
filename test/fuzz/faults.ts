/**
 * Fault injection at every call site of a watch cycle. For each phase of the scenario a clean run first
 * counts the cycle's DynamoDB requests (through the fault proxy) and SNS publishes; then each index is
 * failed in turn, with each fault kind, once (the SDK's own retries may absorb it) or persistently (the
 * cycle cannot finish). After every faulted cycle the scenario recovers — a re-run at the same instant,
 * then a cycle an hour later (past the publish lease) — and the store and the SNS ledger are compared
 * with the clean run: no history lost, no notice lost, none duplicated. The faulted cycle's store is
 * reached either as the Lambda reaches DynamoDB (the AWS SDK through the fault proxy, `via: 'sdk'`) or as
 * `certwatch check --store` reaches the embedded store (dynalite in-process, faults at its transport:
 * test/fuzz/engine-faults.ts, `via: 'in-process'`).
 */
import { isDeepStrictEqual } from 'node:util';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { localDynamoClient, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { historyStoreOn } from '../../lambdas/store/history-store';
import { WireEngine } from '../../lambdas/store/wire-engine';
import {
  assertOpen,
  createScenario,
  dynamoClientWithTimeouts,
  HUNG,
  PHASES,
  type Phase,
  phaseTime,
  type Scenario,
  type SnsBehaviour,
  type StoreSnapshot,
  scenarioCycle,
  snapshot,
  snsAtSdkBoundary,
  tally,
} from './cycle-scenario';
import { ENGINE_FAULT_KINDS, type EngineFaultKind, withEngineFaults } from './engine-faults';
import { DYNAMO_FAULT_KINDS, type DynamoFaultKind, type FaultMode, startFaultProxy } from './fault-proxy';

/** SNS failures: refused, timed out before delivery, or delivered and then timed out (ambiguous). */
export const SNS_FAULT_KINDS = ['fail', 'timeout', 'deliver-then-timeout'] as const;
/** One of {@link SNS_FAULT_KINDS}. */
export type SnsFaultKind = (typeof SNS_FAULT_KINDS)[number];

/** One injected fault point and what followed. */
export interface FaultRun {
  service: 'dynamodb' | 'engine' | 'sns';
  phase: Phase;
  kind: DynamoFaultKind | EngineFaultKind | SnsFaultKind;
  mode: FaultMode;
  index: number;
  /** The call the fault hit, e.g. `PutItem` or `Publish`. */
  site: string;
  /** The faulted cycle's error, when it failed loudly. */
  threw: string | null;
  /** The faulted cycle neither ended nor failed within its deadline. */
  hung: boolean;
  lost: string[];
  /** Duplicates SNS had already accepted when the outbox could not record it (publish → mark-sent window). */
  windowDuplicates: string[];
  /** Any other duplicate: a bug. */
  duplicated: string[];
  unexpected: string[];
  historyMatches: boolean;
  /** The faulted cycle reported success although its history is not the clean run's (and nothing unsaved). */
  silentGap: boolean;
  /** Left pending by a cycle that reported no publish failure (published by the next cycle past the lease). */
  delayed: string[];
}

/** Figures of a campaign. */
export interface FaultCampaignResult {
  points: number;
  /** Per phase: the DynamoDB requests of a clean cycle, in order, and its SNS publishes. */
  sites: Record<string, string[]>;
  runs: FaultRun[];
  durationMs: number;
}

interface Reference {
  sites: string[];
  publishes: number;
  afterCycle: StoreSnapshot;
  final: StoreSnapshot;
  expected: string[];
}

type Injection =
  | { service: 'dynamodb'; kind: DynamoFaultKind; mode: FaultMode; index: number }
  | { service: 'engine'; kind: EngineFaultKind; mode: FaultMode; index: number }
  | { service: 'sns'; kind: SnsFaultKind; mode: FaultMode; index: number }
  | null;

/** How the faulted cycle reaches the store: the AWS SDK through the fault proxy, or dynalite in-process. */
export type FaultVia = 'sdk' | 'in-process';

const HOUR = 3_600_000;

async function runScenario(
  scenario: Scenario,
  phase: Phase,
  injection: Injection,
  requestTimeoutMs: number,
  via: FaultVia,
) {
  const embedded = await startEmbeddedStore({ inMemory: true });
  const proxy = await startFaultProxy(embedded.endpoint);
  const client = dynamoClientWithTimeouts(proxy.endpoint, requestTimeoutMs);
  const engineFaults = withEngineFaults(embedded.transport);
  let snsArmed = false;
  let snsCalls = 0;
  const behaviour: SnsBehaviour = () => {
    if (!snsArmed) return 'deliver';
    const index = snsCalls++;
    if (injection?.service !== 'sns') return 'deliver';
    const hit = index === injection.index || (injection.mode === 'persistent' && index > injection.index);
    return hit ? injection.kind : 'deliver';
  };
  const sns = snsAtSdkBoundary(behaviour);
  try {
    const direct = { store: embedded.store, publisher: sns.publisher };
    for (const earlier of PHASES.filter((p) => p < phase)) {
      scenario.setPhase(earlier);
      await scenarioCycle(scenario, direct, phaseTime(earlier), `phase-${earlier}`);
    }
    scenario.setPhase(phase);
    const before = sns.delivered.length;
    proxy.arm(injection?.service === 'dynamodb' ? injection : null);
    engineFaults.arm(injection?.service === 'engine' ? injection : null);
    snsArmed = true;
    const faulted = {
      store:
        via === 'sdk'
          ? dynamoHistoryStore({ client, tableName: embedded.tableName })
          : historyStoreOn(new WireEngine(engineFaults.transport, embedded.tableName)),
      publisher: sns.publisher,
    };
    let threw: string | null = null;
    let result: Awaited<ReturnType<typeof scenarioCycle>> | undefined;
    try {
      result = await scenarioCycle(scenario, faulted, phaseTime(phase), 'faulted');
    } catch (error) {
      threw = error instanceof Error ? error.message : String(error);
    }
    snsArmed = false;
    const sites = via === 'sdk' ? [...proxy.seen] : [...engineFaults.seen];
    proxy.arm(null);
    engineFaults.arm(null);
    const deliveredInCycle = sns.delivered.slice(before);
    const afterCycle = await snapshot(embedded.client, embedded.tableName);
    await scenarioCycle(scenario, direct, phaseTime(phase), 'rerun');
    await scenarioCycle(scenario, direct, phaseTime(phase, HOUR), 'later');
    const final = await snapshot(embedded.client, embedded.tableName);
    return { sites, snsCalls, threw, result, afterCycle, final, delivered: [...sns.delivered], deliveredInCycle };
  } finally {
    sns.restore();
    client.destroy();
    await proxy.close();
    await embedded.close();
  }
}

async function reference(
  scenario: Scenario,
  phase: Phase,
  requestTimeoutMs: number,
  via: FaultVia,
): Promise<Reference> {
  const run = await runScenario(scenario, phase, null, requestTimeoutMs, via);
  if (run.threw) throw new Error(`the clean run of phase ${phase} failed: ${run.threw}`);
  return {
    sites: run.sites,
    publishes: run.snsCalls,
    afterCycle: run.afterCycle,
    final: run.final,
    expected: [...new Set(run.delivered)],
  };
}

async function faultRun(
  scenario: Scenario,
  phase: Phase,
  ref: Reference,
  injection: Exclude<Injection, null>,
  requestTimeoutMs: number,
  via: FaultVia,
): Promise<FaultRun> {
  const run = await runScenario(scenario, phase, injection, requestTimeoutMs, via);
  const { lost, duplicated, unexpected } = tally(run.delivered, ref.expected);
  const pendingAfter = new Set(run.afterCycle.outbox.filter((o) => o.status === 'pending').map((o) => o.dedupeKey));
  const inWindow = (key: string) => run.deliveredInCycle.includes(key) && pendingAfter.has(key);
  const reported = new Set(run.result?.summary.publishFailures.map((f) => f.dedupeKey) ?? []);
  return {
    service: injection.service,
    phase,
    kind: injection.kind,
    mode: injection.mode,
    index: injection.index,
    site: injection.service === 'sns' ? 'Publish' : (run.sites[injection.index] ?? ref.sites[injection.index] ?? '?'),
    threw: run.threw,
    hung: run.threw?.startsWith(HUNG) ?? false,
    lost,
    windowDuplicates: duplicated.filter(inWindow),
    duplicated: duplicated.filter((k) => !inWindow(k)),
    unexpected,
    historyMatches: isDeepStrictEqual(run.final.histories, ref.final.histories),
    silentGap:
      run.threw === null &&
      (run.result?.summary.unsaved.length ?? 0) === 0 &&
      !isDeepStrictEqual(run.afterCycle.histories, ref.afterCycle.histories),
    delayed: run.threw === null ? [...pendingAfter].filter((k) => !reported.has(k)) : [],
  };
}

/** Options of a campaign. */
export interface FaultCampaignOptions {
  phases?: readonly Phase[];
  /** How the faulted cycle reaches the store (default `sdk`). */
  via?: FaultVia;
  /** With `via: 'sdk'`. */
  dynamoKinds?: readonly DynamoFaultKind[];
  /** With `via: 'in-process'`. */
  engineKinds?: readonly EngineFaultKind[];
  snsKinds?: readonly SnsFaultKind[];
  modes?: readonly FaultMode[];
  /** The faulted client's request timeout (the `timeout` kind waits for it). */
  requestTimeoutMs?: number;
  onRun?(run: FaultRun): void;
}

/** Fails every call site of every phase with every kind and mode asked for. */
export async function runFaultCampaign(
  options: FaultCampaignOptions = {},
  given?: Scenario,
): Promise<FaultCampaignResult> {
  const started = performance.now();
  const scenario = given ?? (await createScenario());
  const requestTimeoutMs = options.requestTimeoutMs ?? 1000;
  const via = options.via ?? 'sdk';
  const result: FaultCampaignResult = { points: 0, sites: {}, runs: [], durationMs: 0 };
  try {
    // A use of the scenario: the end of the test stops it, should the test abandon it (useScenario).
    await scenario.use(async () => {
      for (const phase of options.phases ?? PHASES) {
        const ref = await reference(scenario, phase, requestTimeoutMs, via);
        result.sites[`phase ${phase}`] = [...ref.sites, ...Array.from({ length: ref.publishes }, () => 'Publish')];
        const injections: Array<Exclude<Injection, null>> = [];
        for (const mode of options.modes ?? (['once', 'persistent'] as const)) {
          if (via === 'sdk') {
            for (const kind of options.dynamoKinds ?? DYNAMO_FAULT_KINDS) {
              for (let index = 0; index < ref.sites.length; index++)
                injections.push({ service: 'dynamodb', kind, mode, index });
            }
          } else {
            for (const kind of options.engineKinds ?? ENGINE_FAULT_KINDS) {
              for (let index = 0; index < ref.sites.length; index++)
                injections.push({ service: 'engine', kind, mode, index });
            }
          }
          for (const kind of options.snsKinds ?? SNS_FAULT_KINDS) {
            for (let index = 0; index < ref.publishes; index++) injections.push({ service: 'sns', kind, mode, index });
          }
        }
        for (const injection of injections) {
          assertOpen(scenario);
          const run = await faultRun(scenario, phase, ref, injection, requestTimeoutMs, via);
          result.runs.push(run);
          result.points += 1;
          options.onRun?.(run);
        }
      }
    });
  } finally {
    if (!given) await scenario.close();
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** Runs that broke an invariant (lost or duplicated outside the window, history differs, silent gap). */
export function faultViolations(runs: readonly FaultRun[]): FaultRun[] {
  return runs.filter(
    (r) =>
      r.hung ||
      r.lost.length > 0 ||
      r.duplicated.length > 0 ||
      r.unexpected.length > 0 ||
      !r.historyMatches ||
      r.silentGap,
  );
}

/**
 * Whether the store's stock client (`localDynamoClient`, as `certwatch check` builds it) gives up on a
 * DynamoDB answer that never comes: the first answer is withheld (longer than `waitMs`), later ones are
 * not, so a client with a request timeout retries and succeeds within `waitMs`.
 */
export async function stockClientStall(waitMs: number): Promise<{ gaveUp: boolean; detail: string }> {
  const embedded = await startEmbeddedStore({ inMemory: true });
  const proxy = await startFaultProxy(embedded.endpoint, { holdMs: waitMs + 5000 });
  const client = localDynamoClient(proxy.endpoint);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    proxy.arm({ index: 0, kind: 'timeout', mode: 'once' });
    const after = () => `after ${Math.round(performance.now() - started)} ms`;
    const request = client.send(new DescribeTableCommand({ TableName: embedded.tableName })).then(
      () => ({ gaveUp: true, detail: `gave up on the first attempt and retried: answered ${after()}` }),
      (error: Error) => ({ gaveUp: true, detail: `failed ${after()}: ${error.name}` }),
    );
    const waiting = new Promise<{ gaveUp: boolean; detail: string }>((resolve) => {
      timer = setTimeout(() => resolve({ gaveUp: false, detail: `still waiting after ${waitMs} ms` }), waitMs);
    });
    return await Promise.race([request, waiting]);
  } finally {
    clearTimeout(timer);
    client.destroy();
    await proxy.close();
    await embedded.close();
  }
}
