/**
 * What watch cycles cost the table, as DynamoDB itself reports it: AWS's DynamoDB Local answering every
 * request of the store engine with its consumed capacity (`ReturnConsumedCapacity: TOTAL`), real loopback
 * SMTP servers, the real prober, cycles 15 minutes apart. Each target is the typical one of the cost tables
 * (docs/deploy.md "What it costs"): two addresses, RSA and ECDSA leaves with an intermediate each.
 *
 * Capacity is counted by partition: what a cycle spends in `TARGET#` partitions, divided by the targets,
 * is the cost of an endpoint-cycle; the rest (the outbox, the watch list) is the cycle's, whatever the
 * list's length. The test fails when a figure grows past its budget: a steady cycle (nothing changed) at
 * most 1 write and 2 read units per endpoint-cycle (issue #25), also after rotations have grown every
 * history; a first cycle and a rotation at what they cost when these budgets were set.
 * CERTWATCH_CAPACITY_OUT=file writes the figures as JSON (docs/deploy.md's cost tables come from them).
 */
import { writeFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HistoryStore } from '../../lambdas/core/ports';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTarget, type Target } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { historyStoreOn } from '../../lambdas/store/history-store';
import { localDynamoClient } from '../../lambdas/store/local-dynamo-client';
import { sdkTransport } from '../../lambdas/store/sdk-transport';
import { ensureTable } from '../../lambdas/store/table';
import { WireEngine, type WireMessage, type WireOperation, type WireTransport } from '../../lambdas/store/wire-engine';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local';
import { createChain, createRoot, type Issued, issue } from '../support/pki';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { RecordingPublisher } from './cycle-harness';

/** Budgets per endpoint-cycle (write and read units). */
const STEADY = { write: 1, read: 2 };
/** What a first cycle and a rotation cost per endpoint when the budgets were set, with a little room. */
const FIRST = { write: 16, read: 2 };
const ROTATION = { write: 13, read: 4 };
/** What a steady cycle costs whatever the list's length: the outbox drained before and after. */
const PER_CYCLE = { write: 0, read: 2 };

const TARGETS = 3;
const ADDRESSES = ['127.0.0.2', '127.0.0.3'];
const QUARTER_HOUR = 15 * 60_000;
const HALF_DAY = 12 * 3_600_000;

/** Units spent, split between target partitions and the rest. */
interface Spent {
  targets: { write: number; read: number };
  other: { write: number; read: number };
}

const WRITES: ReadonlySet<WireOperation> = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** The partition a request works on (a batch: none, counted with the rest). */
function partitionOf(request: WireMessage): string {
  const key = (request.Key ?? request.Item) as Record<string, { S?: string }> | undefined;
  if (key?.pk?.S) return key.pk.S;
  const condition = String(request.KeyConditionExpression ?? '');
  const placeholder = /= (:v\d+)/.exec(condition)?.[1];
  const values = request.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
  return (placeholder && values?.[placeholder]?.S) || '';
}

/** A transport that adds up the capacity DynamoDB reports, by partition kind. */
function countingTransport(inner: WireTransport): WireTransport & { take(): Spent } {
  let spent: Spent = { targets: { write: 0, read: 0 }, other: { write: 0, read: 0 } };
  return {
    async send(operation, request) {
      const answer = await inner.send(operation, request);
      const units = [answer.ConsumedCapacity ?? []]
        .flat()
        .reduce<number>((sum, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
      const where = partitionOf(request).startsWith('TARGET#') ? spent.targets : spent.other;
      if (WRITES.has(operation)) where.write += units;
      else where.read += units;
      return answer;
    },
    take() {
      const taken = spent;
      spent = { targets: { write: 0, read: 0 }, other: { write: 0, read: 0 } };
      return taken;
    },
  };
}

/** One target: two servers on two loopback addresses, same port, each with an RSA and an ECDSA chain. */
interface Watched {
  target: Target;
  servers: SmtpTestServer[];
}

describe('table capacity per endpoint-cycle on DynamoDB Local (ReturnConsumedCapacity)', () => {
  let local: DynamoDbLocal;
  let client: DynamoDBClient;
  let roots: Issued[];
  let intermediates: { rsa: Issued; ecdsa: Issued };
  let watched: Watched[] = [];
  let generation = 0;

  /**
   * A fresh RSA and ECDSA leaf for every target's host, from the same intermediates, valid 90 days from
   * `from` (the cycles' clock: a leaf older than the target's rotation cadence would be ROTATION_OVERDUE).
   */
  async function leaves(from?: Date): Promise<ServerCert[]> {
    generation += 1;
    const make = (keyType: 'rsa' | 'ecdsa') =>
      createChain({
        keyType,
        hostnames: ['mx.capacity.example', `alt${generation}.mx.capacity.example`],
        root: keyType === 'rsa' ? roots[0] : roots[1],
        intermediate: intermediates[keyType],
        ...(from ? { notBefore: from, notAfter: new Date(from.getTime() + 90 * 86_400_000) } : {}),
      });
    const chains = await Promise.all([make('rsa'), make('ecdsa')]);
    return chains.map((c) => ({ keyPem: c.leaf.keyPem, chainPem: c.chainPem }));
  }

  beforeAll(async () => {
    local = await startDynamoDbLocal();
    client = localDynamoClient(local.endpoint);
    roots = [
      await createRoot({ name: 'Capacity Root RSA', keyType: 'rsa' }),
      await createRoot({ name: 'Capacity Root ECDSA', keyType: 'ecdsa' }),
    ];
    intermediates = {
      rsa: await issue(roots[0], { name: 'Capacity Intermediate RSA', isCa: true, keyType: 'rsa' }),
      ecdsa: await issue(roots[1], { name: 'Capacity Intermediate ECDSA', isCa: true, keyType: 'ecdsa' }),
    };
    const certs = await leaves();
    for (let i = 0; i < TARGETS; i++) {
      const first = await startSmtpTestServer({ address: ADDRESSES[0], certs, greeting: 'mx.capacity.example' });
      const second = await startSmtpTestServer({
        address: ADDRESSES[1],
        port: first.port,
        certs,
        greeting: 'mx.capacity.example',
      });
      watched.push({ target: parseTarget(`smtp://mx.capacity.example:${first.port}`), servers: [first, second] });
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(watched.flatMap((w) => w.servers.map((s) => s.close())));
    watched = [];
    client?.destroy();
    await local?.close();
  });

  it('stays within 1 write and 2 read units per endpoint-cycle in a steady cycle, also after rotations grew the histories', async () => {
    // Prepare
    const tableName = 'capacity';
    await ensureTable(sdkTransport(client), tableName);
    const transport = countingTransport(sdkTransport(client));
    const store: HistoryStore = historyStoreOn(new WireEngine(transport, tableName));
    const probeOptions: ProbeOptions = {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: ['rsa', 'ecdsa'],
      timeoutMs: 5000,
      resolve: watched.map((w) => ({ host: w.target.host, port: w.target.port, addresses: ADDRESSES })),
      extraAnchorsDer: roots.map((r) => new Uint8Array(r.der)),
      ehloName: 'certwatch.test',
    };
    const publisher = new RecordingPublisher();
    let now = Date.now();
    const cycle = async (step: number) => {
      now += step;
      const result = await runWatchCycle(
        { prober: new SmtpProber(), store, publisher },
        { targets: watched.map((w) => w.target), probeOptions, now: new Date(now) },
      );
      expect(result.summary).toMatchObject({ failedProbes: 0, unsaved: [], conflicts: 0 });
      return transport.take();
    };
    const perEndpoint = (spent: Spent) => ({
      write: spent.targets.write / TARGETS,
      read: spent.targets.read / TARGETS,
    });
    /** Rolls every target to new leaves and runs cycles until the old ones are retired. */
    const rotate = async () => {
      const certs = await leaves(new Date(now));
      for (const w of watched) for (const s of w.servers) s.setCerts(certs);
      const spent = await cycle(QUARTER_HOUR);
      for (let i = 0; i < 10; i++) await cycle(HALF_DAY);
      return spent;
    };

    // Act
    const first = await cycle(0);
    const steady = await cycle(QUARTER_HOUR);
    await cycle(QUARTER_HOUR);
    const rotation = await rotate();
    await rotate();
    await cycle(QUARTER_HOUR);
    const grown = await cycle(QUARTER_HOUR);
    for (const w of watched) await store.loadTarget(w.target.url); // the whole history, for comparison
    const whole = transport.take();

    // Assess
    const figures = {
      first: perEndpoint(first),
      steady: perEndpoint(steady),
      rotation: perEndpoint(rotation),
      steadyAfterTwoRotations: perEndpoint(grown),
      perCycle: steady.other,
      perCycleAfterTwoRotations: grown.other,
      wholeHistoryReadAfterTwoRotations: perEndpoint(whole).read,
    };
    if (process.env.CERTWATCH_CAPACITY_OUT) {
      writeFileSync(process.env.CERTWATCH_CAPACITY_OUT, `${JSON.stringify(figures, null, 2)}\n`);
    }
    expect(publisher.types()).toEqual([
      'BASELINE',
      'NEW_CERTIFICATE',
      'NEW_CERTIFICATE',
      'CERTIFICATE_RETIRED',
      'CERTIFICATE_RETIRED',
      'NEW_CERTIFICATE',
      'NEW_CERTIFICATE',
      'CERTIFICATE_RETIRED',
      'CERTIFICATE_RETIRED',
    ]);
    expect(figures.steady.write).toBeLessThanOrEqual(STEADY.write);
    expect(figures.steady.read).toBeLessThanOrEqual(STEADY.read);
    expect(figures.steadyAfterTwoRotations.write).toBeLessThanOrEqual(STEADY.write);
    expect(figures.steadyAfterTwoRotations.read).toBeLessThanOrEqual(STEADY.read);
    // What the view saves: the whole history, read every cycle before, has grown past it.
    expect(figures.wholeHistoryReadAfterTwoRotations).toBeGreaterThan(figures.steadyAfterTwoRotations.read);
    expect(figures.first.write).toBeLessThanOrEqual(FIRST.write);
    expect(figures.first.read).toBeLessThanOrEqual(FIRST.read);
    expect(figures.rotation.write).toBeLessThanOrEqual(ROTATION.write);
    expect(figures.rotation.read).toBeLessThanOrEqual(ROTATION.read);
    expect(figures.perCycle.write).toBeLessThanOrEqual(PER_CYCLE.write);
    expect(figures.perCycle.read).toBeLessThanOrEqual(PER_CYCLE.read);
    expect(figures.perCycleAfterTwoRotations.read).toBeLessThanOrEqual(PER_CYCLE.read);
  }, 300_000);
});
