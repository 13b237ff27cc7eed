/**
 * Runs the shards of a local fanned-out run (`certwatch check --shards N`) in worker processes: each is
 * the compiled CLI's hidden `shard-worker` command, one process per shard as each shard of the scheduled
 * run is one Lambda invocation. Bounded: so many processes at once, a deadline per process (killed past
 * it), a cap on what is read from its stdout and stderr; a failed shard is retried once, alone, after
 * the others have finished, and never touches what the others stored.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_MAX_SECONDS } from '../core/budgets';
import { encodeShardJob, MAX_SHARD_ANSWER_BYTES, type ShardAnswer, type ShardJob } from '../run/shard-job';
import { SHARD_WORKER_COMMAND } from './shard-worker-command';

/** Bounds of the worker pool. */
export const SHARD_WORKERS = Object.freeze({
  /** Most worker processes at once by default: probing waits on the network, so twice the CPUs, at most 8. */
  defaultMax: Math.min(8, 2 * availableParallelism()),
  /** A worker still running after this long is killed (a shard's Lambda invocation gets at most 15 minutes). */
  timeoutMs: LAMBDA_MAX_SECONDS * 1000,
  /** What is kept of a worker's stderr for the failure message. */
  maxStderrBytes: 16 * 1024,
});

/** The program a worker runs: by default this Node binary on the package's bin (the compiled CLI). */
export interface WorkerCommand {
  file: string;
  args: string[];
}

/** Options of {@link runShardWorkers}. */
export interface ShardWorkerOptions {
  workers?: number;
  timeoutMs?: number;
  maxAnswerBytes?: number;
  command?: WorkerCommand;
}

/** How one shard went. */
export interface ShardOutcome {
  shard: number;
  /** 1, or 2 when the first attempt failed. */
  attempts: number;
  answer?: ShardAnswer;
  /** Why the last attempt failed. */
  error?: string;
}

/** The compiled CLI's entry, found from this module (lambdas/cli/ in the sources, dist/cli/ once built). */
export function defaultWorkerCommand(): WorkerCommand {
  return { file: process.execPath, args: [join(__dirname, '..', '..', 'bin', 'certwatch.js'), SHARD_WORKER_COMMAND] };
}

/** Runs every job in a worker process; resolves when each shard has succeeded or failed twice. */
export async function runShardWorkers(
  jobs: readonly ShardJob[],
  options: ShardWorkerOptions = {},
): Promise<ShardOutcome[]> {
  const limit = Math.max(1, Math.min(options.workers ?? SHARD_WORKERS.defaultMax, jobs.length));
  const attempt = (job: ShardJob) => runWorker(job, options);
  const outcomes: ShardOutcome[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      const first = await attempt(jobs[index]);
      outcomes[index] = { shard: jobs[index].order.shard, attempts: 1, ...first };
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  // Retried alone: a shard that failed because the machine was busy gets it to itself.
  for (const [index, outcome] of outcomes.entries()) {
    if (!outcome.error) continue;
    outcomes[index] = { shard: outcome.shard, attempts: 2, ...(await attempt(jobs[index])) };
  }
  return outcomes;
}

function runWorker(job: ShardJob, options: ShardWorkerOptions): Promise<{ answer?: ShardAnswer; error?: string }> {
  const command = options.command ?? defaultWorkerCommand();
  const maxAnswer = options.maxAnswerBytes ?? MAX_SHARD_ANSWER_BYTES;
  const timeoutMs = options.timeoutMs ?? SHARD_WORKERS.timeoutMs;
  return new Promise((settle) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command.file, command.args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    } catch (error) {
      settle({ error: `cannot start a worker: ${(error as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let failure: string | undefined;
    const stop = (why: string) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`no answer within ${timeoutMs} ms (killed)`), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxAnswer) stop(`answer larger than ${maxAnswer} bytes (killed)`);
      else out.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > SHARD_WORKERS.maxStderrBytes) err = err.subarray(err.length - SHARD_WORKERS.maxStderrBytes);
    });
    child.stdin?.on('error', () => {}); // a worker that died early closes its stdin: the exit says why
    child.on('error', (error) => stop(`worker failed: ${error.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) return settle({ error: failure });
      if (code !== 0) {
        const said = lastLine(err.toString('utf8'));
        return settle({ error: `worker exited with ${signal ?? `code ${code}`}${said ? `: ${said}` : ''}` });
      }
      try {
        const answer = JSON.parse(Buffer.concat(out).toString('utf8')) as ShardAnswer;
        if (!Number.isInteger(answer?.pid) || !Array.isArray(answer?.result?.observations)) {
          return settle({ error: 'worker answered something other than a shard result' });
        }
        settle({ answer });
      } catch (error) {
        settle({ error: `worker answer is not JSON: ${(error as Error).message}` });
      }
    });
    child.stdin?.end(encodeShardJob(job));
  });
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.filter((l) => l.startsWith('certwatch:'));
  return (said.at(-1) ?? lines.at(-1) ?? '').replace(/^certwatch:\s*/, '').slice(0, 500);
}
