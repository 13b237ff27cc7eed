/**
 * A watch cycle in its own process, for the crash tests: it runs against the parent's dynalite endpoint
 * and the parent's loopback servers, announces on stdout when it reaches the requested hook point, and
 * then waits there until the parent kills it (SIGKILL). Run with tsx; input as JSON in CERTWATCH_CHILD.
 */
import { parseTarget } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { localDynamoClient } from '../../lambdas/store/embedded-store';

/** What the parent passes. */
export interface ChildInput {
  endpoint: string;
  tableName: string;
  target: string;
  port: number;
  addresses: string[];
  host: string;
  rootDerBase64: string;
  now: string;
  hook: 'afterStore' | 'afterClaim';
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.CERTWATCH_CHILD ?? '{}') as ChildInput;
  const store = dynamoHistoryStore({ client: localDynamoClient(input.endpoint), tableName: input.tableName });
  const stopHere = async (point: string) => {
    process.stdout.write(`HOOK ${point}\n`);
    await new Promise(() => setInterval(() => undefined, 60_000));
  };
  await runWatchCycle(
    {
      prober: new SmtpProber(),
      store,
      publisher: {
        async publish(notice) {
          process.stdout.write(`PUBLISHED ${notice.dedupeKey}\n`);
          return { messageId: null };
        },
      },
      hooks: {
        afterStore: input.hook === 'afterStore' ? () => stopHere('afterStore') : undefined,
        afterClaim: input.hook === 'afterClaim' ? () => stopHere('afterClaim') : undefined,
      },
    },
    {
      targets: [parseTarget(input.target)],
      probeOptions: {
        keyTypes: ['ecdsa'],
        timeoutMs: 3000,
        concurrency: 8,
        resolve: [{ host: input.host, port: input.port, addresses: input.addresses }],
        extraAnchorsDer: [new Uint8Array(Buffer.from(input.rootDerBase64, 'base64'))],
        ehloName: 'certwatch.test',
      },
      now: new Date(input.now),
      cycleId: 'child',
    },
  );
  process.stdout.write('DONE\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(3);
});
