import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { useScenario } from './cycle-scenario';
import { faultViolations, runFaultCampaign } from './faults';
import { LEASE_MS } from './sns-boundary';

describe('fault injection at every call site of a watch cycle (dynalite behind a fault proxy)', () => {
  const suite = useScenario();

  it('loses and duplicates nothing when any one store request is applied but its answer lost, or a publish fails', async () => {
    // Act: every DynamoDB request of both phases fails once with a connection reset after dynalite
    // applied it (the SDK retries: conditional writes then see their own write); every publish fails once.
    const result = await runFaultCampaign(
      { dynamoKinds: ['reset-after-apply'], snsKinds: ['fail'], modes: ['once'] },
      suite.scenario,
    );

    // Assess
    const sites = Object.values(result.sites).flat();
    expect(result.points).toBe(sites.length);
    expect(
      faultViolations(result.runs).map(
        (r) =>
          `phase ${r.phase} #${r.index} ${r.site}: lost ${r.lost.length}, duplicated ${r.duplicated.length}, extra ${r.unexpected.join(' ')}, history ${r.historyMatches ? 'same' : 'differs'}`,
      ),
    ).toEqual([]);
    expect(result.runs.flatMap((r) => r.windowDuplicates)).toEqual([]);
    // Two phases of cycles, each faulted at every call site: 27 s at load 11 (14 s of CPU), and past 240 s at
    // load 28. A hang detector, not a speed check: a campaign its test abandons is stopped before the next
    // test starts (useScenario), but the test itself has failed.
  }, 600_000);

  it('loses and duplicates nothing when any store call of an embedded cycle (dynalite in-process) fails after it applied', async () => {
    // Act: the rotation phase, every store call failed once after dynalite applied it (no SDK retry here:
    // the cycle fails, and the next cycles must recover what it left half done).
    const result = await runFaultCampaign(
      { via: 'in-process', phases: [1], engineKinds: ['fail-after-apply'], snsKinds: [], modes: ['once'] },
      suite.scenario,
    );

    // Assess
    const storeCalls = result.sites['phase 1'].filter((site) => site !== 'Publish');
    expect(result.points).toBe(storeCalls.length);
    expect(storeCalls).toEqual(expect.arrayContaining(['Query', 'PutItem', 'UpdateItem']));
    expect(
      faultViolations(result.runs).map(
        (r) =>
          `#${r.index} ${r.site}: lost ${r.lost.length}, duplicated ${r.duplicated.length}, extra ${r.unexpected.join(' ')}, history ${r.historyMatches ? 'same' : 'differs'}, silent gap ${r.silentGap}`,
      ),
    ).toEqual([]);
  }, 240_000);

  it('gives the store client a request timeout well inside the publish lease', async () => {
    // Prepare: the client `certwatch check` uses; its handler settles its configuration on first use.
    const embedded = await startEmbeddedStore({ inMemory: true });
    try {
      await embedded.client.send(new DescribeTableCommand({ TableName: embedded.tableName }));
      const handler = embedded.client.config.requestHandler as NodeHttpHandler;

      // Act
      const config = handler.httpHandlerConfigs();
      const timeoutMs = config.throwOnRequestTimeout ? config.requestTimeout : undefined;

      // Assess: without one, an answer that never comes holds the cycle (and its publish claims) forever.
      expect(timeoutMs ?? config.socketTimeout).toBeLessThanOrEqual(LEASE_MS / 10);
    } finally {
      await embedded.close();
    }
  });
});
