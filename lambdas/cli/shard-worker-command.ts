/**
 * `certwatch shard-worker` (hidden, internal): one shard of `certwatch check --shards N`, run in its own
 * process as a shard of the scheduled run is one Lambda invocation. Reads its job (lambdas/watch/
 * shard-job.ts) on standard input, runs the shard against the parent's store endpoint, and writes
 * `{ pid, result }` as one JSON line on standard output. Not for people: it is absent from `--help`.
 */
import type { Command } from 'commander';
import type { Notice } from '../core/notice';
import type { HistoryStore, NoticePublisher } from '../core/ports';
import type { ShardStore } from '../store/open-store';
import { type CliRun, EXIT, UsageError } from './cli-io';
import type { StdinReader } from './shared/bounded-input';

/** The name the parent runs (lambdas/cli/shard-workers.ts). */
export const SHARD_WORKER_COMMAND = 'shard-worker';

/** A shard publishes nothing (the merge step does): a publish here would be a bug, so it fails loudly. */
class NoPublisher implements NoticePublisher {
  async publish(notice: Notice): Promise<never> {
    throw new Error(`a shard does not publish (notice ${notice.type})`);
  }
}

/** Registers the hidden `shard-worker` command. */
export function registerShardWorkerCommand(program: Command, run: CliRun, stdin: StdinReader): void {
  program
    .command(SHARD_WORKER_COMMAND, { hidden: true })
    .description('internal: run one shard of `check --shards` (job on stdin, result on stdout)')
    .action(async () => {
      const started = Date.now();
      const [
        { decodeShardJob, MAX_SHARD_JOB_BYTES },
        { WatchRun },
        { SmtpProber },
        { CLI_DEFAULT_SEED },
        { REVOCATION_EXTENSION },
      ] = await Promise.all([
        import('../run/shard-job.js'),
        import('../run/watch-run.js'),
        import('../probe/prober.js'),
        import('./watch-list-cli.js'),
        import('../probe/revocation-extension.js'),
      ]);
      const text = (await stdin({ limit: MAX_SHARD_JOB_BYTES, describe: 'a shard job (internal)' })).toString('utf8');
      let job: ReturnType<typeof decodeShardJob>;
      try {
        job = decodeShardJob(text);
      } catch (error) {
        throw new UsageError(`shard-worker: ${(error as Error).message}`);
      }
      const { watchConfigFromCliEnv } = await import('./cli-adapters.js');
      const opened = await openShardStore(job.store);
      try {
        const watchRun = new WatchRun(
          {
            store: opened.store,
            prober: new SmtpProber(undefined, undefined, opened.store),
            publisher: new NoPublisher(),
          },
          {
            probeOptions: job.probeOptions,
            watch: watchConfigFromCliEnv(),
            list: { kind: 'store', seed: CLI_DEFAULT_SEED },
            extensions: [REVOCATION_EXTENSION],
          },
        );
        const invocationEnd = job.invocationMs === undefined ? undefined : started + job.invocationMs;
        const result = await watchRun.shard(job.order, { invocationEnd });
        run.stdout.write(`${JSON.stringify({ pid: process.pid, result })}\n`);
        run.exitCode = EXIT.OK;
      } finally {
        opened.close();
      }
    });
}

async function openShardStore(where: ShardStore): Promise<{ store: HistoryStore; close(): void }> {
  const { dynamoHistoryStore } = await import('../store/dynamo-history-store.js');
  if (where.kind === 'local') {
    const { localDynamoClient } = await import('../store/local-dynamo-client.js');
    const client = localDynamoClient(where.endpoint);
    return { store: dynamoHistoryStore({ client, tableName: where.tableName }), close: () => client.destroy() };
  }
  const { openHistoryStore } = await import('../store/open-store.js');
  const opened = await openHistoryStore({ kind: 'table', tableName: where.tableName, endpoint: where.endpoint });
  if (!opened) throw new Error(`cannot open table ${where.tableName}`);
  return { store: opened.store, close: () => void opened.close() };
}
