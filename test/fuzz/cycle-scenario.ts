/**
 * The watch-cycle scenario the fault and crash campaigns replay: two targets (each two loopback
 * addresses, real SMTP servers from the cycle harness) on a real DynamoDB-compatible store, through
 * two phases — a baseline on an empty history, then a rotation (target A re-keyed everywhere, target B
 * half way through a rollout). SNS is faked at the SDK boundary only: the real `SnsPublisher` talks to
 * an `SNSClient` whose `send` is replaced by aws-sdk-client-mock, which keeps the delivery ledger.
 */

import { type DynamoDBClient, DynamoDBClient as DynamoDBClientClass } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/contract/table-schema';
import type { TargetHistory } from '../../lambdas/core/history';
import type { HistoryStore } from '../../lambdas/core/ports';
import type { ProbeOptions } from '../../lambdas/core/probe-options';
import type { SnsPublisher } from '../../lambdas/notify/sns-publisher';
import { SmtpProber } from '../../lambdas/probe/prober';
import { type CycleHooks, type CycleResult, runWatchCycle } from '../../lambdas/run/cycle';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import {
  at,
  createPki,
  HOST,
  type Pki,
  probeOptionsFor,
  type ServerPair,
  startPair,
} from '../integration/cycle-harness';
import type { ServerCert } from '../support/smtp-test-server';
import { LEASE_MS } from './sns-boundary';

/** Phases of the scenario. */
export const PHASES = [0, 1] as const;
/** A phase of the scenario: 0 = baseline, 1 = rotation. */
export type Phase = (typeof PHASES)[number];

/** Everything a campaign needs to replay the scenario. */
export interface Scenario {
  pki: Pki;
  pairs: [ServerPair, ServerPair];
  probeOptions: ProbeOptions;
  /** What a child process needs to probe the same servers. */
  wire: { host: string; ports: number[]; addresses: string[]; rootDerBase64: string };
  /** Points the servers at the certificates of a phase. */
  setPhase(phase: Phase): void;
  /**
   * True once closed, and while {@link Scenario.endUses} runs: a campaign still running (its test
   * abandoned at a timeout) stops at its next run.
   */
  readonly closed: boolean;
  /** Runs a campaign as a use of the scenario, which {@link Scenario.endUses} and `close` wait for. */
  use<T>(campaign: () => Promise<T>): Promise<T>;
  /** Stops the campaigns still running at their next run and resolves once they have ended. */
  endUses(): Promise<void>;
  close(): Promise<void>;
}

/** Throws once the scenario is closed, so that no campaign outlives its test and its stores. */
export function assertOpen(scenario: Scenario): void {
  if (scenario.closed) throw new Error('the scenario was closed: campaign abandoned');
}

/** How long the end of a test waits for a campaign it abandoned to finish the run under way (a hang detector). */
const END_USES_MS = 5 * 60_000;

/** A suite's scenario: see {@link useScenario}. */
export interface SuiteScenario {
  readonly scenario: Scenario;
}

/**
 * Registers a suite's scenario (call it inside `describe`, under jest): created before its tests (set to
 * `phase` when given) and closed after them. A campaign its test abandoned (at the test's timeout) is
 * stopped before the next test starts: it would go on switching the shared servers between phases under
 * the next test's campaign, whose histories would then differ from its clean run.
 */
export function useScenario(phase?: Phase): SuiteScenario {
  let scenario: Scenario | undefined;
  beforeAll(async () => {
    scenario = await createScenario();
    if (phase !== undefined) scenario.setPhase(phase);
  });
  afterEach(async () => {
    await scenario?.endUses();
  }, END_USES_MS);
  afterAll(async () => {
    await scenario?.close();
  });
  return {
    get scenario() {
      if (!scenario) throw new Error("the suite's scenario exists only inside its tests");
      return scenario;
    },
  };
}

type Leaf = ServerCert;

/** Starts the servers and generates the certificates of both phases. */
export async function createScenario(): Promise<Scenario> {
  const pki = await createPki('fuzz');
  const [a0, a1, b0, b1]: Leaf[] = await Promise.all([pki.leaf(), pki.leaf(), pki.leaf(), pki.leaf()]);
  const pairs: [ServerPair, ServerPair] = [await startPair(pki, a0), await startPair(pki, b0)];
  const addresses = ['127.0.0.2', '127.0.0.3'];
  const resolve = pairs.flatMap((p) => probeOptionsFor(p.port, pki.root, addresses).resolve);
  let closed = false;
  let ending = false;
  const uses = new Set<Promise<unknown>>();
  const endUses = async () => {
    ending = true;
    try {
      await Promise.all(uses);
    } finally {
      ending = false;
    }
  };
  return {
    pki,
    pairs,
    probeOptions: { ...probeOptionsFor(pairs[0].port, pki.root, addresses), resolve, concurrency: 8 },
    wire: {
      host: HOST,
      ports: pairs.map((p) => p.port),
      addresses,
      rootDerBase64: pki.root.der.toString('base64'),
    },
    setPhase(phase) {
      const [a, b] = pairs;
      a.servers[0].setCerts([phase === 0 ? a0 : a1]);
      a.servers[1].setCerts([phase === 0 ? a0 : a1]);
      b.servers[0].setCerts([phase === 0 ? b0 : b1]);
      b.servers[1].setCerts([b0]);
    },
    get closed() {
      return closed || ending;
    },
    async use(campaign) {
      const running = campaign();
      const ended = running.then(
        () => undefined,
        () => undefined,
      );
      uses.add(ended);
      try {
        return await running;
      } finally {
        uses.delete(ended);
      }
    },
    endUses,
    async close() {
      closed = true;
      await endUses();
      await Promise.all(pairs.map((p) => p.close()));
    },
  };
}

/** The instant of a phase's cycle; recovery cycles run at the same instant and one hour later. */
export function phaseTime(phase: Phase, offsetMs = 0): Date {
  return new Date(at(phase).getTime() + offsetMs);
}

/** A cycle still running after this is reported as hung: every campaign run is bounded in time. */
export const CYCLE_DEADLINE_MS = 60_000;
/** The start of the error message of a hung cycle. */
export const HUNG = 'cycle still running after';

/** Runs the scenario's cycle (at `now`) on a store and publisher, within {@link CYCLE_DEADLINE_MS}. */
export async function scenarioCycle(
  scenario: Scenario,
  deps: { store: HistoryStore; publisher: SnsPublisher; hooks?: CycleHooks },
  now: Date,
  cycleId?: string,
): Promise<CycleResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${HUNG} ${CYCLE_DEADLINE_MS} ms`)), CYCLE_DEADLINE_MS);
  });
  const cycle = runWatchCycle(
    { prober: new SmtpProber(), store: deps.store, publisher: deps.publisher, hooks: deps.hooks },
    {
      targets: scenario.pairs.map((p) => p.target),
      probeOptions: scenario.probeOptions,
      now,
      cycleId,
      claimLeaseMs: LEASE_MS,
    },
  );
  try {
    return await Promise.race([cycle, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A DynamoDB client for an endpoint with the settings of `localDynamoClient` plus request timeouts. */
export function dynamoClientWithTimeouts(endpoint: string, requestTimeoutMs: number): DynamoDBClient {
  return new DynamoDBClientClass({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'certwatch', secretAccessKey: 'certwatch' },
    maxAttempts: 3,
    requestHandler: {
      requestTimeout: requestTimeoutMs,
      connectionTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

/** A comparable picture of a store: histories without concurrency counters, and the outbox. */
export interface StoreSnapshot {
  histories: Record<string, unknown>;
  outbox: Array<{ dedupeKey: string; status: string; type: string }>;
}

function normalise(history: TargetHistory): unknown {
  const state = history.state ? { ...history.state, version: undefined } : null;
  const certs = [...history.certs]
    .map((c) => ({ ...c, rev: undefined }))
    .sort((a, b) => a.sha256.localeCompare(b.sha256));
  return { state, certs };
}

/** Reads the whole history and outbox of a store (consistent reads). */
export async function snapshot(client: DynamoDBClient, tableName: string): Promise<StoreSnapshot> {
  const store = dynamoHistoryStore({ client, tableName });
  const histories: Record<string, unknown> = {};
  for (const [target, history] of await store.listHistories()) histories[target] = normalise(history);
  const doc = DynamoDBDocumentClient.from(client);
  const items = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.outbox },
      ConsistentRead: true,
    }),
  );
  const outbox = (items.Items ?? [])
    .map((i) => ({ dedupeKey: String(i.dedupeKey), status: String(i.status), type: String(i.type) }))
    .sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey));
  return { histories, outbox };
}

/** Lost (reference keys never delivered) and duplicated (deliveries beyond the first) notices. */
export function tally(
  delivered: readonly string[],
  expected: readonly string[],
): { lost: string[]; duplicated: string[]; unexpected: string[] } {
  const counts = new Map<string, number>();
  for (const key of delivered) counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    lost: expected.filter((k) => !counts.has(k)),
    duplicated: [...counts].flatMap(([k, n]) => Array.from({ length: n - 1 }, () => k)),
    unexpected: [...counts.keys()].filter((k) => !expected.includes(k)),
  };
}

export { LEASE_MS, type SnsAtSdkBoundary, type SnsBehaviour, snsAtSdkBoundary } from './sns-boundary';
export { HOST };
