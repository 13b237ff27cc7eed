/**
 * The work order a local shard worker (`certwatch check --shards N`) receives from its parent on standard
 * input, and what it writes back on standard output: plain JSON both ways. The order carries the shard
 * (run id, instant, shard number and count), where the parent's store listens, and the probe settings;
 * never the list — the worker reads its slice from the store, as a shard's Lambda invocation does.
 */
import type { ProbeOptions } from '../core/probe-options';
import type { ShardStore } from '../store/open-store';
import type { CycleResult } from './cycle';
import type { ShardOrder } from './fan-out';

/** One worker's job. */
export interface ShardJob {
  order: ShardOrder;
  store: ShardStore;
  probeOptions: ProbeOptions;
  /** How long the worker has (the parent kills it then): the shard stops probing in time to store its slice. */
  invocationMs?: number;
}

/** What a worker answers: its process id (the shard ran there) and the shard's cycle result. */
export interface ShardAnswer {
  pid: number;
  result: CycleResult;
}

/** The largest job a worker reads (the probe options hold trust anchors and a policy: small). */
export const MAX_SHARD_JOB_BYTES = 8 * 1024 * 1024;

/** The largest answer the parent reads from one worker (its observations; ≈ 2 KB per observation). */
export const MAX_SHARD_ANSWER_BYTES = 64 * 1024 * 1024;

const BYTES = '$bytes';
const DATE = '$date';

/** The job as JSON: byte arrays (trust anchors) as base64, dates as ISO strings, both tagged. */
export function encodeShardJob(job: ShardJob): string {
  return JSON.stringify(job, function replace(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [BYTES]: Buffer.from(raw).toString('base64') };
    if (raw instanceof Date) return { [DATE]: raw.toISOString() };
    return value;
  });
}

/** Reads a job written by {@link encodeShardJob}; throws on anything else. */
export function decodeShardJob(text: string): ShardJob {
  const job = JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      if (typeof tagged[BYTES] === 'string') return new Uint8Array(Buffer.from(tagged[BYTES], 'base64'));
      if (typeof tagged[DATE] === 'string') return new Date(tagged[DATE]);
    }
    return value;
  }) as Partial<ShardJob>;
  const order = job?.order;
  if (
    !order ||
    typeof order.runId !== 'string' ||
    typeof order.now !== 'string' ||
    !Number.isInteger(order.shard) ||
    !Number.isInteger(order.shardCount) ||
    order.shard < 0 ||
    order.shard >= order.shardCount
  ) {
    throw new Error('the shard job has no valid order (runId, now, shard, shardCount)');
  }
  if (!job.store || typeof job.store.tableName !== 'string') throw new Error('the shard job names no store');
  if (!job.probeOptions || typeof job.probeOptions !== 'object') throw new Error('the shard job has no probe options');
  return job as ShardJob;
}
