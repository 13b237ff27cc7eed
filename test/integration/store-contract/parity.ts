/**
 * Parity of the store engines: the same watch cycles (real loopback SMTP servers, probed once per phase
 * and replayed to every engine, so each store sees the same observations) and the same watch-list, MX,
 * posture and run writes on each engine; then every engine's export (`certwatch export`'s item stream)
 * is compared with the reference engine's, item by item.
 */
import type { Observation } from '../../../lambdas/core/observation';
import type { HistoryStore, Prober } from '../../../lambdas/core/ports';
import { SmtpProber } from '../../../lambdas/probe/prober';
import { runWatchCycle } from '../../../lambdas/run/cycle';
import type { Item } from '../../../lambdas/store/engine';
import { TableTransfer } from '../../../lambdas/store/table-transfer';
import { PHASES, phaseTime, useScenario } from '../../fuzz/cycle-scenario';
import type { StoreEngineUnderTest } from '../../support/store-engines';
import { RecordingPublisher } from '../cycle-harness';

const HOUR = 3_600_000;

/** The writes a cycle does not make: every other item kind, the same on each engine. */
async function otherWrites(store: HistoryStore, now: Date): Promise<void> {
  const at = now.toISOString();
  await store.addWatchTargets(['smtp://a.example:25', 'mx:b.example'], 'cli', now, { reactivate: false });
  await store.putWatchListMeta({ initializedAt: at, initializedWith: 'cli' });
  await store.removeWatchTargets(['smtp://a.example:25'], now);
  await store.setWatchPolicy('mx:b.example', { require: { pins: ['00'] } });
  await store.setContextDigest('digest');
  await store.saveMx({
    domain: 'b.example',
    hosts: [{ host: 'mx.b.example', preference: 5 }],
    gone: {},
    checkedAt: at,
    changedAt: at,
    rev: 0,
  });
  await store.savePostures(
    'smtp://a.example:25',
    { '192.0.2.1': { posture: { versions: ['TLSv1.3'] } as never, since: at } },
    now,
  );
  await store.saveRunBaselines(
    'run',
    [{ target: 'smtp://a.example:25', host: 'a.example', addresses: [], keyTypes: [], leaves: [], failures: [] }],
    now,
  );
  await store.saveProbeRate({ entries: 2, seconds: 0.5, at });
  await store.saveCtListCache({
    url: 'http://127.0.0.1/log_list.json',
    json: '{"logs":[]}',
    signature: null,
    fetchedAt: at,
  });
  const log = {
    logId: 'bG9n',
    name: 'log',
    url: 'http://127.0.0.1/log/',
    protocol: 'static-ct' as const,
    position: 1024,
    range: null,
    head: { size: 2048, timestamp: now.getTime(), root: 'cm9vdA==' },
    firstMetAt: at,
    caughtUpAt: at,
    lastAttemptAt: at,
    lastError: null,
    inconsistent: null,
    incidents: 0,
    behind: null,
    behindIncidents: 0,
    rev: 0,
  };
  await store.saveCtLogState(log);
  await store.saveCtLogState({ ...log, position: 2048, rev: 1 });
}

/** `certwatch export`'s items, by key. */
async function exported(transfer: TableTransfer): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  for await (const item of transfer.items()) items.set(`${String(item.pk)} | ${String(item.sk)}`, item);
  return new Map([...items].sort(([a], [b]) => a.localeCompare(b)));
}

/** Registers the parity test: every engine of `engines` against `reference`. */
export function parityContract(reference: StoreEngineUnderTest, engines: readonly StoreEngineUnderTest[]): void {
  const suite = useScenario();

  it(`exports the same items, item by item, as ${reference.name} after the same cycles and writes`, async () => {
    // Prepare
    const all = [reference, ...engines];
    const tables = await Promise.all(all.map((engine) => engine.open()));
    const publishers = all.map(() => new RecordingPublisher(1));
    const prober = new SmtpProber();
    try {
      // Act: baseline, rotation (the first publish fails and is released), the rotation an hour later.
      for (const [phase, offset] of [
        ...PHASES.map((p) => [p, 0] as const),
        [PHASES[PHASES.length - 1], HOUR] as const,
      ]) {
        suite.scenario.setPhase(phase);
        let observed: Observation[] | undefined;
        for (const [i, table] of tables.entries()) {
          const replay: Prober = {
            probe: async (targets, options) => (observed ??= await prober.probe(targets, options)),
          };
          await runWatchCycle(
            { prober: replay, store: table.store, publisher: publishers[i] },
            {
              targets: suite.scenario.pairs.map((p) => p.target),
              probeOptions: suite.scenario.probeOptions,
              now: phaseTime(phase, offset),
              cycleId: `parity-${phase}-${offset}`,
              claimLeaseMs: 60_000,
            },
          );
        }
      }
      for (const table of tables) await otherWrites(table.store, phaseTime(1, 2 * HOUR));
      const exports = await Promise.all(tables.map((t) => exported(new TableTransfer(t.store.engine))));

      // Assess
      const [expected, ...others] = exports;
      expect(expected.size).toBeGreaterThan(10);
      for (const [i, items] of others.entries()) {
        const name = engines[i].name;
        expect({ engine: name, keys: [...items.keys()] }).toEqual({ engine: name, keys: [...expected.keys()] });
        for (const [key, item] of expected)
          expect({ engine: name, key, item: items.get(key) }).toEqual({ engine: name, key, item });
      }
      expect(publishers.map((p) => p.types())).toEqual(all.map(() => publishers[0].types()));
    } finally {
      await Promise.all(tables.map((t) => t.close()));
    }
  });
}
