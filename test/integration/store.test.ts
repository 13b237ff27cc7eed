/**
 * The store contract (engine, target history, outbox and publish lease, watch list and runs) on every
 * store engine, their parity on the same cycles, and what only the embedded store does (a directory on
 * disk). One DynamoDB Local per suite: started before the first test, stopped after the last.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectTarget } from '../../lambdas/core/detect';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { StoreError } from '../../lambdas/store/errors';
import { storeEngines } from '../support/store-engines';
import { cert, day, INTERMEDIATE, obs, TARGET } from '../unit/detect-fixtures';
import { engineContract } from './store-contract/engine-contract';
import { outboxContract } from './store-contract/outbox-contract';
import { parityContract } from './store-contract/parity';
import { revocationContract } from './store-contract/revocation-contract';
import { targetContract } from './store-contract/target-contract';
import { watchListContract } from './store-contract/watch-list-contract';

const engines = storeEngines();

beforeAll(async () => {
  await Promise.all(engines.map((engine) => engine.start()));
}, 180_000);

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop()));
});

describe.each(engines)('the store contract on $name', (engine) => {
  describe('the engine', () => engineContract(engine));
  describe('target history', () => targetContract(engine));
  describe('the outbox and its publish lease', () => outboxContract(engine));
  describe('the watch list and runs', () => watchListContract(engine));
  describe('the revocation verdict cache', () => revocationContract(engine));
});

describe('store engine parity', () => {
  const reference = engines.find((e) => e.name === 'DynamoDB Local') ?? engines[0];
  parityContract(
    reference,
    engines.filter((e) => e !== reference),
  );
});

describe('the embedded store on disk', () => {
  let dir: string;
  const detection = () =>
    detectTarget({
      target: TARGET,
      history: { state: null, certs: [] },
      observations: [obs('192.0.2.1', [cert('leaf'), INTERMEDIATE])],
      now: day(0),
      config: DEFAULT_WATCH_CONFIG,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-store-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the history across a restart', async () => {
    // Prepare
    const first = await startEmbeddedStore({ dir });
    await first.store.saveTarget(detection());
    await first.close();

    // Act
    const second = await startEmbeddedStore({ dir });
    const loaded = await second.store.loadTarget(TARGET.url);
    await second.close();

    // Assess
    expect(loaded.state?.version).toBe(1);
    expect(loaded.certs).toHaveLength(2);
  });

  it('refuses a second open of the same directory with STORE_LOCKED instead of crashing', async () => {
    // Prepare
    const first = await startEmbeddedStore({ dir });

    // Act
    const second = startEmbeddedStore({ dir });

    // Assess
    await expect(second).rejects.toThrow(StoreError);
    await expect(second).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    await first.close();
    const again = await startEmbeddedStore({ dir });
    await again.close();
  });
});
