/**
 * Minimal reproductions of what the fault and crash campaigns found in the watch cycle, on the real
 * parts: dynalite, loopback SMTP servers, the real prober and SnsPublisher (SNS faked at the SDK
 * boundary). Each store failure is injected by wrapping the real store, so the timing is exact.
 */
import type { HistoryStore, TargetChanges } from '../../lambdas/core/ports';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { StoreError } from '../../lambdas/store/errors';
import { phaseTime, scenarioCycle, useScenario } from './cycle-scenario';
import { type SnsAtSdkBoundary, snsAtSdkBoundary } from './sns-boundary';

const HOUR = 3_600_000;

/** The real store, with `saveTarget` of one target replaced. */
function withSave(
  store: HistoryStore,
  target: string,
  save: (
    real: (c: TargetChanges) => ReturnType<HistoryStore['saveTarget']>,
    changes: TargetChanges,
  ) => ReturnType<HistoryStore['saveTarget']>,
): HistoryStore {
  return new Proxy(store, {
    get(real, property) {
      if (property === 'saveTarget') {
        return (changes: TargetChanges) =>
          changes.state.target === target ? save((c) => real.saveTarget(c), changes) : real.saveTarget(changes);
      }
      const value = Reflect.get(real, property);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
}

describe('watch cycle regressions found by the fault and crash campaigns', () => {
  const suite = useScenario(0);
  let embedded: EmbeddedStore;
  let sns: SnsAtSdkBoundary;

  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true });
    sns = snsAtSdkBoundary();
  });

  afterEach(async () => {
    sns.restore();
    await embedded.close();
  });

  const [first, second] = [0, 1];
  const baselines = () => sns.delivered.filter((key) => key.startsWith('BASELINE#'));

  it('sends one BASELINE when a first cycle saved one of two targets and failed before the other', async () => {
    // Prepare: the second target's save fails (store unavailable) once the first target is saved.
    let firstSaved: () => void = () => undefined;
    const saved = new Promise<void>((resolve) => {
      firstSaved = resolve;
    });
    const failing = withSave(
      withSave(embedded.store, suite.scenario.pairs[first].target.url, async (real, changes) => {
        const outcome = await real(changes);
        firstSaved();
        return outcome;
      }),
      suite.scenario.pairs[second].target.url,
      async () => {
        await saved;
        throw new StoreError('STORE_UNAVAILABLE', 'table unreachable (test)');
      },
    );

    // Act
    const failed = await scenarioCycle(
      suite.scenario,
      { store: failing, publisher: sns.publisher },
      phaseTime(0),
    ).catch((error: Error) => error);
    await scenarioCycle(suite.scenario, { store: embedded.store, publisher: sns.publisher }, phaseTime(0));
    await scenarioCycle(suite.scenario, { store: embedded.store, publisher: sns.publisher }, phaseTime(0, HOUR));

    // Assess
    expect(failed).toBeInstanceOf(StoreError);
    expect(baselines()).toHaveLength(1);
    expect(await embedded.store.pendingNotices()).toEqual([]);
  });

  it('sends one BASELINE when a target whose certificates were saved is redone as a conflict', async () => {
    // Prepare: the second target's certificates land but its state write is refused, as when the answer
    // to a certificate write is lost, the SDK retries it and hears ConditionalCheckFailed.
    let lost = false;
    const store = withSave(embedded.store, suite.scenario.pairs[second].target.url, async (real, changes) => {
      if (lost) return real(changes);
      lost = true;
      return real({ ...changes, state: { ...changes.state, version: changes.state.version + 99 } });
    });

    // Act
    const result = await scenarioCycle(suite.scenario, { store, publisher: sns.publisher }, phaseTime(0));
    await scenarioCycle(suite.scenario, { store: embedded.store, publisher: sns.publisher }, phaseTime(0, HOUR));

    // Assess
    expect(result.summary.conflicts).toBe(1);
    expect(baselines()).toHaveLength(1);
  });
});
