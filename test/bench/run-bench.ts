/**
 * The deployed run at full length (no scaling): the synthesized watch state machine under
 * aws-local-stepfunctions, every Task the synthesized bundle under lambda-local with the template's
 * environment and timeout and the default 10 s probe timeout, on dynalite and the fauxqs SNS emulator
 * (test/support/local-aws/). Two scenarios:
 * - the grown list: 4 loopback targets deployed, then 150 that accept and never answer added at run time;
 * - the largest list one run observes when every target black-holes: `blackHoled` such targets, each
 *   behind `addresses` loopback addresses (4: the worst case the plan assumes).
 * Prints each run's wall time, outcome, shards, and targets observed / not reached.
 * Usage: tsx test/bench/run-bench.ts [blackHoled=400] [--addresses 4] [--black-holed-only]
 */
import { createServer, type Server, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { probingMs, targetsWithinMs } from '../../lambdas/core/run-budget';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { runTiming } from '../../lib/run-timing';
import { createPki, HOST } from '../integration/cycle-harness';
import { hostile, startScriptedServer } from '../support/hostile-servers';
import {
  bundleTask,
  executeDefinition,
  scaledDefinition,
  startSnsEmulator,
  synthesizeRun,
} from '../support/local-aws/local-run';
import { startSmtpTestServer } from '../support/smtp-test-server';

/** One full-length run's figures. */
export interface RunFigures {
  scenario: string;
  targets: number;
  seconds: number;
  status: string;
  shards: number;
  observed: number;
  unreached: number;
  failedInvocations: number;
}

/** Runs both scenarios; returns their figures and what the plan says one shard holds at worst. */
export async function runRunBench(
  blackHoled = 400,
  options: { addresses?: number; blackHoledOnly?: boolean } = {},
): Promise<{ runs: RunFigures[]; shardAtWorst: number }> {
  const addresses = Array.from({ length: options.addresses ?? 4 }, (_, i) => `127.0.0.${i + 2}`);
  const synthesized = synthesizeRun({ posture: 'off' });
  const sns = await startSnsEmulator();
  const pki = await createPki('run-bench');
  const cert = await pki.leaf();
  const good = await Promise.all(
    Array.from({ length: 4 }, () => startSmtpTestServer({ address: '127.0.0.2', certs: [cert], greeting: HOST })),
  );
  const silent = await startScriptedServer(hostile.silence(), '127.0.0.2');
  // The same black hole on the other addresses, same port: one name, several addresses that never answer.
  const sockets = new Set<Socket>();
  const more = await Promise.all(
    addresses.slice(1).map(
      (address) =>
        new Promise<Server>((resolve) => {
          const server = createServer((socket) => {
            sockets.add(socket);
            socket.on('error', () => undefined);
          });
          server.listen(silent.port, address, () => resolve(server));
        }),
    ),
  );
  const runs: RunFigures[] = [];
  try {
    const deployed = good.map((s) => `smtp://${HOST}:${s.port}`);
    const silentUrls = (n: number) => Array.from({ length: n }, (_, i) => `smtp://silent-${i}.test:${silent.port}`);
    const scenario = async (name: string, added: string[], runsOf: number) => {
      const store = await startEmbeddedStore({ inMemory: true });
      const topicArn = await sns.topic(`bench-${runs.length}-${Date.now()}`);
      const all = [...deployed, ...added];
      const invoker = {
        bundleFile: synthesized.bundleFile,
        timeoutMs: synthesized.functionSeconds * 1000,
        environment: {
          ...synthesized.environment,
          CERTWATCH_TABLE_NAME: store.tableName,
          DYNAMODB_ENDPOINT: store.endpoint,
          CERTWATCH_TOPIC_ARN: topicArn,
          AWS_ENDPOINT_URL_SNS: sns.endpoint,
          CERTWATCH_TARGETS: deployed.join(','),
          CERTWATCH_RESOLVE: all
            .map((u) => {
              const { hostname, port } = new URL(u);
              return `${hostname}:${port}:${hostname.startsWith('silent-') ? addresses.join(',') : '127.0.0.2'}`;
            })
            .join(' '),
          CERTWATCH_EXTRA_CA_PEM: pki.root.certPem,
          CERTWATCH_EHLO_NAME: 'certwatch.bench',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'certwatch',
          AWS_SECRET_ACCESS_KEY: 'certwatch',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      };
      try {
        const definition = scaledDefinition(synthesized.machines.RunMachine, 1);
        const execute = async () => {
          const states: Array<{ state: string; failed: boolean; result?: unknown }> = [];
          const task = bundleTask(invoker);
          const started = Date.now();
          const execution = await executeDefinition(
            definition,
            async (state, payload) => {
              try {
                const result = await task(state, payload);
                states.push({ state, failed: false, result });
                return result;
              } catch (error) {
                states.push({ state, failed: true });
                throw error;
              }
            },
            { retryWaitMs: runTiming(900).shard.intervalSeconds * 1000 },
          );
          return { execution, states, seconds: (Date.now() - started) / 1000 };
        };
        await execute(); // the deployment's first run: the list exists
        if (added.length > 0) await store.store.addWatchTargets(added, 'cli', new Date(), { reactivate: false });
        for (let i = 1; i <= runsOf; i++) {
          const { execution, states, seconds } = await execute();
          const shardResults = states.filter((s) => s.state === 'Shard' && !s.failed);
          const unreached = shardResults.reduce(
            (n, s) => n + ((s.result as { unreached?: string[] }).unreached?.length ?? 0),
            0,
          );
          let observed = 0;
          for (const target of all) if ((await store.store.loadTarget(target)).state) observed += 1;
          runs.push({
            scenario: `${name}, run ${i}`,
            targets: all.length,
            seconds,
            status: execution.status,
            shards: states.filter((s) => s.state === 'Shard').length,
            observed,
            unreached,
            failedInvocations: states.filter((s) => s.failed).length,
          });
          console.log(JSON.stringify(runs.at(-1)));
        }
      } finally {
        await store.close();
      }
    };
    if (!options.blackHoledOnly) await scenario('grown list (+150 black-holed at run time)', silentUrls(150), 2);
    await scenario(`${blackHoled} black-holed targets × ${addresses.length} addresses`, silentUrls(blackHoled), 1);
  } finally {
    await Promise.all(good.map((s) => s.close()));
    await silent.close();
    for (const socket of sockets) socket.destroy();
    for (const server of more) await new Promise((resolve) => server.close(resolve));
    await sns.close();
    synthesized.cleanup();
  }
  const shardAtWorst = targetsWithinMs(probingMs(synthesized.functionSeconds * 1000), {
    probeTimeoutMs: 10_000,
    keyTypes: ['rsa', 'ecdsa'],
    concurrency: 32,
  });
  return { runs, shardAtWorst };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const blackHoled = Number(args.find((a) => /^\d+$/.test(a)) ?? 400);
  const at = args.indexOf('--addresses');
  const load = loadavg()[0];
  runRunBench(blackHoled, {
    addresses: at >= 0 ? Number(args[at + 1]) : 4,
    blackHoledOnly: args.includes('--black-holed-only'),
  })
    .then(({ runs, shardAtWorst }) => {
      console.log(`one shard holds ${shardAtWorst} targets at worst (default settings)`);
      for (const r of runs) console.log(JSON.stringify(r));
      console.log(`load average ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
