/**
 * The watch list a warm invocation environment keeps between the steps of runs (lambdas/run/list-cache.ts),
 * on the embedded DynamoDB engine: the plan announces the digest of the list it read, a shard in an
 * environment holding that list takes its slice from it without reading the list again, and a shard
 * announced a list its environment does not hold (changed since, or another environment's) reads it —
 * the slice always of the list the digest names. Reads are counted on the real store.
 */

import type { HistoryStore } from '../../lambdas/core/ports';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { shardOf } from '../../lambdas/core/run-budget';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { SmtpProber } from '../../lambdas/probe/prober';
import { watchListDigest } from '../../lambdas/run/list-cache';
import { WatchRun } from '../../lambdas/run/watch-run';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { RecordingPublisher } from './cycle-harness';

const TARGETS = Array.from({ length: 12 }, (_, i) => `smtps://mx${i}.example.net:465`);
const ADDED = 'smtps://added.example.net:465';

let store: EmbeddedStore;
let listReads: number;
let counted: HistoryStore;

beforeEach(async () => {
  store = await startEmbeddedStore({ inMemory: true });
  listReads = 0;
  // The real store, its list reads counted.
  counted = new Proxy(store.store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== 'loadWatchList') return value;
      return (...args: Parameters<HistoryStore['loadWatchList']>) => {
        listReads++;
        return (value as HistoryStore['loadWatchList']).apply(target, args);
      };
    },
  });
});

afterEach(async () => {
  await store.close();
});

/** One invocation environment's run, as the handler builds it once per environment. */
function environment(): WatchRun {
  return new WatchRun(
    { store: counted, prober: new SmtpProber(), publisher: new RecordingPublisher() },
    {
      probeOptions: DEFAULT_PROBE_OPTIONS,
      watch: DEFAULT_WATCH_CONFIG,
      list: { kind: 'context', targets: TARGETS },
    },
  );
}

const sliceOf = (targets: readonly string[], shard: number) => targets.filter((t) => shardOf(t, 3) === shard).sort();

test('a shard in the environment that planned takes its slice from the list the plan read, without reading it again', async () => {
  // Prepare
  const run = environment();
  const plan = await run.plan(new Date(), { invocationMs: 300_000, forceShards: 3 });
  const afterPlan = listReads;

  // Act
  const slices = [];
  for (const shard of [0, 1, 2]) slices.push(await run.targets(new Date(), { shard, shardCount: 3 }, plan.listDigest));

  // Assess
  expect(plan.listDigest).toBe(watchListDigest((await store.store.loadWatchList()) as never));
  expect(listReads).toBe(afterPlan);
  expect(slices.map((s) => s.entries.map((e) => e.key).sort())).toEqual([0, 1, 2].map((i) => sliceOf(TARGETS, i)));
});

test('a shard of another environment reads the list once, then serves its later shards of the same list from it', async () => {
  // Prepare
  const plan = await environment().plan(new Date(), { invocationMs: 300_000, forceShards: 3 });
  const other = environment();
  const before = listReads;

  // Act
  await other.targets(new Date(), { shard: 0, shardCount: 3 }, plan.listDigest);
  const second = await other.targets(new Date(), { shard: 1, shardCount: 3 }, plan.listDigest);

  // Assess
  expect(listReads - before).toBe(1);
  expect(second.entries.map((e) => e.key).sort()).toEqual(sliceOf(TARGETS, 1));
});

test('a list changed since the environment read it is read again for the run that announces it', async () => {
  // Prepare: one run planned and sharded here, then a target added at run time and the next run planned elsewhere
  const run = environment();
  const first = await run.plan(new Date(), { invocationMs: 300_000, forceShards: 3 });
  await run.targets(new Date(), { shard: 0, shardCount: 3 }, first.listDigest);
  await store.store.addWatchTargets([ADDED], 'cli', new Date(), { reactivate: false });
  const next = await environment().plan(new Date(), { invocationMs: 300_000, forceShards: 3 });
  const before = listReads;

  // Act
  const slice = await run.targets(new Date(), { shard: shardOf(ADDED, 3), shardCount: 3 }, next.listDigest);

  // Assess
  expect(next.listDigest).not.toBe(first.listDigest);
  expect(listReads - before).toBe(1);
  expect(slice.entries.map((e) => e.key)).toContain(ADDED);
});

test('the digest is of the content: the same list read twice has one digest, any change another', async () => {
  // Prepare
  await environment().plan(new Date(), { invocationMs: 300_000 });
  const read = async () =>
    (await store.store.loadWatchList()) as NonNullable<Awaited<ReturnType<HistoryStore['loadWatchList']>>>;
  const [a, b] = [await read(), await read()];

  // Act
  await store.store.setWatchMetric(TARGETS[0], true);
  const marked = await read();

  // Assess
  expect(watchListDigest(a)).toBe(watchListDigest(b));
  expect(watchListDigest(marked)).not.toBe(watchListDigest(a));
});
