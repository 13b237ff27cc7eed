/**
 * One watch cycle of the fuzz scenario in its own process, for the crash-anywhere campaign. It numbers
 * every step boundary it passes — after the probe, after each store write, after a publish claim
 * (before publishing), after each publish (before it is marked sent), after the store phase — as
 * `EVENT n name` on stdout. At boundary `stopAt` it prints `HOOK name`, freezes every further store
 * call and publish, and waits for the parent's SIGKILL. Run with `node --import tsx`; input as JSON in
 * CERTWATCH_CRASH_CHILD. SNS is faked at the SDK boundary (aws-sdk-client-mock), which prints
 * `PUBLISHED key` for each message it accepts.
 */

import { parseTarget } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { localDynamoClient } from '../../lambdas/store/embedded-store';
import { LEASE_MS, snsAtSdkBoundary } from './sns-boundary';

/** What the parent passes. */
export interface CrashChildInput {
  endpoint: string;
  tableName: string;
  wire: { host: string; ports: number[]; addresses: string[]; rootDerBase64: string };
  now: string;
  /** Boundary to stop at (0-based); -1 runs the cycle to its end (to count the boundaries). */
  stopAt: number;
}

const WRITE = /Put|Update|Delete|BatchWrite/;

async function main(): Promise<void> {
  const input = JSON.parse(process.env.CERTWATCH_CRASH_CHILD ?? '{}') as CrashChildInput;
  let passed = 0;
  let stopped = false;
  const never = new Promise<never>(() => setInterval(() => undefined, 60_000));
  const gate = () => (stopped ? never : Promise.resolve());
  const boundary = async (name: string) => {
    const index = passed++;
    process.stdout.write(`EVENT ${index} ${name}\n`);
    if (index === input.stopAt) {
      stopped = true;
      process.stdout.write(`HOOK ${name}\n`);
    }
    await gate();
  };

  const client = localDynamoClient(input.endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await gate();
      const name = context.commandName ?? 'unknown';
      try {
        return await next(args);
      } finally {
        if (WRITE.test(name)) await boundary(`write:${name.replace(/Command$/, '')}`);
      }
    },
    { step: 'initialize', name: 'certwatchCrashBoundaries' },
  );
  const store = dynamoHistoryStore({ client, tableName: input.tableName });
  const sns = snsAtSdkBoundary();
  const prober = new SmtpProber();
  const { wire } = input;
  await runWatchCycle(
    {
      prober: {
        async probe(targets, options) {
          const observations = await prober.probe(targets, options);
          await boundary('probe');
          return observations;
        },
      },
      store,
      publisher: {
        async publish(notice) {
          await gate();
          const receipt = await sns.publisher.publish(notice);
          process.stdout.write(`PUBLISHED ${notice.dedupeKey}\n`);
          await boundary(`published:${notice.type}`);
          return receipt;
        },
      },
      hooks: {
        afterClaim: (key) => boundary(`claimed:${key.split('#')[0]}`),
        afterStore: () => boundary('afterStore'),
      },
    },
    {
      targets: wire.ports.map((port) => parseTarget(`smtp://${wire.host}:${port}`)),
      probeOptions: {
        keyTypes: ['ecdsa'],
        timeoutMs: 3000,
        concurrency: 8,
        resolve: wire.ports.map((port) => ({ host: wire.host, port, addresses: wire.addresses })),
        extraAnchorsDer: [new Uint8Array(Buffer.from(wire.rootDerBase64, 'base64'))],
        ehloName: 'certwatch.test',
      },
      now: new Date(input.now),
      cycleId: 'child',
      claimLeaseMs: LEASE_MS,
    },
  );
  process.stdout.write('DONE\n');
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(3);
});
