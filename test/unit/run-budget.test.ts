/**
 * The run's time arithmetic (lambdas/core/run-budget.ts): a target's worst case, what a stretch of time
 * holds at worst, the reserve an invocation keeps, and shard sizing from the invocation and the rate.
 */
import { FAN_OUT } from '../../lambdas/core/budgets';
import {
  batchWorstCaseMs,
  RUN_BUDGET,
  reserveMs,
  shardCapacity,
  shardCountFor,
  shardOf,
  targetsWithinMs,
  targetWorstCaseMs,
  type WorstCaseInput,
} from '../../lambdas/core/run-budget';

const DEFAULTS: WorstCaseInput = { probeTimeoutMs: 10_000, keyTypes: ['rsa', 'ecdsa'], concurrency: 32 };

test('a target costs probe timeout × key types × addresses × (1 + extra handshakes) plus the extensions’ terms', () => {
  // Act
  const plain = targetWorstCaseMs(DEFAULTS);
  const extended = targetWorstCaseMs({ ...DEFAULTS, extraHandshakesPerAddress: 1, extraMsPerTarget: 5_000 });

  // Assess
  expect(plain).toBe(10_000 * 2 * RUN_BUDGET.assumedAddresses);
  expect(extended).toBe(2 * plain + 5_000);
});

test('a batch is bounded by its resolution waves, its slots over the workers and one probe timeout', () => {
  // Act
  const four = batchWorstCaseMs(4, DEFAULTS);
  const many = batchWorstCaseMs(64, DEFAULTS);

  // Assess: 4 targets = 32 probes: resolution 20 s + one wave 10 s + the last probe 10 s
  expect(four).toBe(20_000 + 10_000 + 10_000);
  expect(many).toBe(2 * 20_000 + 16 * 10_000 + 10_000);
  expect(batchWorstCaseMs(0, DEFAULTS)).toBe(0);
});

test('the targets that fit a stretch at worst are the most whose batch bound stays within it', () => {
  // Act
  const fit = targetsWithinMs(216_000, DEFAULTS);

  // Assess
  expect(batchWorstCaseMs(fit, DEFAULTS)).toBeLessThanOrEqual(216_000);
  expect(batchWorstCaseMs(fit + 1, DEFAULTS)).toBeGreaterThan(216_000);
  expect(targetsWithinMs(30_000, DEFAULTS)).toBe(0);
});

test('an invocation keeps 10 % back, at least 10 s, or a quarter of a short one', () => {
  // Assess
  expect(reserveMs(300_000)).toBe(30_000);
  expect(reserveMs(60_000)).toBe(10_000);
  expect(reserveMs(8_000)).toBe(2_000);
});

test('a shard holds what fits its invocation at worst, and no more than the measured rate fits', () => {
  // Prepare
  const atWorst = targetsWithinMs(300_000 - reserveMs(300_000), DEFAULTS);

  // Act
  const fast = shardCapacity(300_000, DEFAULTS, { entries: 1000, seconds: 10 });
  const slow = shardCapacity(300_000, DEFAULTS, { entries: 10, seconds: 100 });
  const unmeasured = shardCapacity(300_000, DEFAULTS, null);

  // Assess
  expect(fast).toBe(atWorst);
  expect(slow).toBe(27);
  expect(unmeasured).toBe(Math.min(atWorst, 270));
  expect(shardCapacity(20_000, DEFAULTS, null)).toBe(1);
});

test('the shard count covers the entries, one shard at least, a thousand at most; an entry’s shard is stable', () => {
  // Assess
  expect(shardCountFor(0, 50)).toBe(1);
  expect(shardCountFor(101, 50)).toBe(3);
  expect(shardCountFor(10_000_000, 1)).toBe(FAN_OUT.maxShards);
  expect(shardOf('smtps://smtp.gmail.com:465', 7)).toBe(shardOf('smtps://smtp.gmail.com:465', 7));
  expect(shardOf('smtps://smtp.gmail.com:465', 1)).toBe(0);
});
