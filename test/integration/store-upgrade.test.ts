/**
 * Upgrade without noise: stores written by earlier releases upgrade in place on their next cycle on each
 * real store engine (dynalite, DynamoDB Local), with no notice caused by the upgrade: store-v1.json (the
 * release before the evidence model), store-v2.json (the release with one leaf per address, before the
 * serving mix) and store-v3.json (the compact serving mix before its fast counts), each made by that
 * release's code from the same scenario. The observations are scripted (a
 * prober double returning the scenario's per-cycle DNS answers): this test is about the store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Notice } from '../../lambdas/core/notice';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { cycleAt, FIXTURE_CYCLES, LEAVES, observationsAt, TARGETS } from '../fixtures/upgrade/scenario';
import { type OpenTable, storeEngines } from '../support/store-engines';
import { RecordingPublisher } from './cycle-harness';

const FIXTURES = [
  { release: 'the release before the evidence model', file: 'store-v1.json' },
  { release: 'the release with one leaf per address', file: 'store-v2.json' },
  { release: 'the release with the serving mix before its fast counts', file: 'store-v3.json' },
];
/** A short stale window, so that the hourly scenario retires within a few cycles (the model is not the subject). */
const CONFIG = { ...DEFAULT_WATCH_CONFIG, staleAfterHours: 6 };

const engines = storeEngines();

beforeAll(async () => {
  await Promise.all(engines.map((engine) => engine.start()));
}, 180_000);

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop()));
});

describe.each(engines)('upgrade in place on $name', (engine) => {
  describe.each(FIXTURES)('of a store written by $release', ({ file }) => {
    let table: OpenTable;
    let publisher: RecordingPublisher;

    beforeEach(async () => {
      table = await engine.open();
      publisher = new RecordingPublisher();
      const doc = DynamoDBDocumentClient.from(table.client);
      const fixture = join(__dirname, '..', 'fixtures', 'upgrade', file);
      const { items } = JSON.parse(readFileSync(fixture, 'utf8')) as { items: Record<string, unknown>[] };
      for (const Item of items) await doc.send(new PutCommand({ TableName: table.tableName, Item }));
    });

    afterEach(async () => {
      await table.close();
    });

    async function cycle(n: number, o: Parameters<typeof observationsAt>[1] = {}): Promise<Notice[]> {
      const observations = observationsAt(n, o);
      const result = await runWatchCycle(
        { prober: { probe: async () => observations }, store: table.store, publisher },
        {
          targets: TARGETS,
          probeOptions: DEFAULT_PROBE_OPTIONS,
          now: cycleAt(n),
          cycleId: `upgrade-${n}`,
          config: CONFIG,
        },
      );
      return result.notices;
    }

    it('raises nothing on the first cycles after the upgrade and writes the serving mix into STATE', async () => {
      // Act
      const notices: Notice[] = [];
      for (let n = FIXTURE_CYCLES; n < FIXTURE_CYCLES + 6; n++) notices.push(...(await cycle(n)));

      // Assess
      expect(notices).toEqual([]);
      expect(publisher.published).toEqual([]);
      const doc = DynamoDBDocumentClient.from(table.client);
      const { Item } = await doc.send(
        new GetCommand({ TableName: table.tableName, Key: { pk: `TARGET#${TARGETS[1].url}`, sk: 'STATE' } }),
      );
      // The serving mix, compact (docs/history-table.md): each address with the leaf it serves.
      expect(Item?.evidence).toEqual([
        expect.stringMatching(new RegExp(`^e192\\.0\\.2\\.10 .* ${LEAVES.rollingOld.sha256.slice(0, 12)}:`)),
        expect.stringMatching(new RegExp(`^e192\\.0\\.2\\.11 .* ${LEAVES.rollingNew.sha256.slice(0, 12)}:`)),
      ]);
      expect(Item?.keyTypes).toEqual({
        ecdsa: expect.objectContaining({ cycles: expect.any(Number), clock: expect.any(Number) }),
      });
    });

    it('then follows the rollout to one retirement, and takes the unreachable target baseline at first light', async () => {
      // Act
      const notices: Notice[] = [];
      for (let n = FIXTURE_CYCLES; n < FIXTURE_CYCLES + 16; n++) {
        notices.push(...(await cycle(n, { rolloutDoneAt: FIXTURE_CYCLES + 4, lateLightAt: FIXTURE_CYCLES + 2 })));
      }

      // Assess
      expect(notices.map((n) => n.type).sort()).toEqual(['BASELINE', 'CERTIFICATE_RETIRED', 'PROBE_RECOVERED']);
      const retired = notices.find((n) => n.type === 'CERTIFICATE_RETIRED') as Notice<'CERTIFICATE_RETIRED'>;
      expect(retired.facts.cert.sha256).toBe(LEAVES.rollingOld.sha256);
      const baseline = notices.find((n) => n.type === 'BASELINE') as Notice<'BASELINE'>;
      expect(baseline.facts.targets.map((t) => t.target)).toEqual([TARGETS[3].url]);
      expect(baseline.facts.targets[0].leaves.map((l) => l.sha256)).toEqual([LEAVES.lateLeaf.sha256]);
    });
  });
});
