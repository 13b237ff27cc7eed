/**
 * The compact `STATE` item: the serving mix and the last cycle's slots round-trip through their strings,
 * a typical target's state stays near 1 KB (the write budget), and damaged strings are refused.
 */
import type { AddressEvidence, TargetState } from '../../lambdas/core/history';
import { decodeMix, encodeMix } from '../../lambdas/store/evidence-codec';
import { dynamoItemSize } from '../../lambdas/store/item-schema';
import { stateAttributes, stateFromItem } from '../../lambdas/store/items';
import { cert } from './detect-fixtures';

const OLD = cert('codec-old').sha256;
const NEW = cert('codec-new').sha256;
const AT = '2025-03-10T12:00:00.000Z';

function entry(address: string, keyType: 'rsa' | 'ecdsa', mixed: boolean): AddressEvidence {
  return {
    address,
    keyType,
    at: AT,
    c: 412,
    h: 103.25,
    gap: 0.3,
    n: 34.91,
    f: 9.12,
    s: 139.64,
    leaves: [
      { sha256: NEW, at: AT, h: 103.25, n: 12.5, f: 3.3, s: 31.02, m: 0, q: 0.21, g: 3, r: 7.33, k: 1.12 },
      ...(mixed
        ? [
            {
              sha256: OLD,
              at: '2025-03-10T11:15:00.000Z',
              h: 102.5,
              n: 22.41,
              f: 5.87,
              s: 108.62,
              m: 3,
              q: 0.47,
              g: 1.7,
              r: 9,
              k: 1,
            },
          ]
        : []),
    ],
  };
}

function state(mixed: boolean): TargetState {
  return {
    target: 'smtps://smtp.gmail.com:465',
    version: 7,
    lastCycleAt: AT,
    cycles: 412,
    slots: [
      { address: '142.250.102.108', keyType: 'ecdsa', sha256: NEW, error: null },
      { address: '142.250.102.108', keyType: 'rsa', sha256: null, error: 'CONNECT_TIMEOUT' },
      { address: '2a00:1450:4013:c00::6c', keyType: 'ecdsa', sha256: NEW, error: null },
      { address: '2a00:1450:4013:c00::6c', keyType: 'rsa', sha256: OLD, error: null },
    ],
    consecutiveFailures: 0,
    failingNotified: false,
    starttlsOffered: false,
    starttlsMissing: false,
    missing: {},
    evidence: [
      entry('142.250.102.108', 'ecdsa', mixed),
      entry('142.250.102.108', 'rsa', mixed),
      entry('2a00:1450:4013:c00::6c', 'ecdsa', mixed),
      entry('2a00:1450:4013:c00::6c', 'rsa', mixed),
    ],
    keyTypes: {
      ecdsa: { cycles: 412, lastAt: AT, baselineAt: '2025-03-01T00:00:00.000Z', clock: 103.25 },
      rsa: { cycles: 412, lastAt: AT, baselineAt: '2025-03-01T00:00:00.000Z', clock: 103.25 },
    },
    raised: [],
    cadence: 15,
  };
}

describe('compact STATE item', () => {
  it('round-trips the serving mix and the slots, leaf ids resolved against the stored certificates', () => {
    // Prepare
    const before = state(true);

    // Act
    const item = { pk: `TARGET#${before.target}`, sk: 'STATE', version: 7, ...stateAttributes(before) };
    const after = stateFromItem(item, [OLD, NEW]);

    // Assess
    expect(after).toEqual(before);
  });

  it('keeps a typical target (two addresses, two key types) within 1 KB in steady state, near it mid-rollout', () => {
    // Act
    const item = (s: TargetState) => ({ pk: `TARGET#${s.target}`, sk: 'STATE', version: 7, ...stateAttributes(s) });
    const steady = dynamoItemSize(item(state(false)));
    const rollout = dynamoItemSize(item(state(true)));

    // Assess: one write capacity unit per steady cycle (DynamoDB charges an update on the larger item); two
    // while both key types roll out on both addresses at once (days, not weeks).
    expect(steady).toBeLessThanOrEqual(1024);
    expect(rollout).toBeLessThanOrEqual(1100);
  });

  it('keeps an unknown leaf id as it is (it matches no record) and refuses a damaged entry', () => {
    // Prepare
    const [text] = encodeMix([entry('192.0.2.1', 'ecdsa', false)], { lastCycleAt: AT, keyTypes: {} });

    // Act
    const [decoded] = decodeMix([text], { lastCycleAt: AT, keyTypes: {} }, []);

    // Assess
    expect(decoded.leaves[0].sha256).toBe(NEW.slice(0, 12));
    expect(() => decodeMix(['x192.0.2.1 0 0'], { lastCycleAt: AT, keyTypes: {} }, [])).toThrow(/is not evidence/);
    expect(() => decodeMix([text.replace(/:0:/, ':?:')], { lastCycleAt: AT, keyTypes: {} }, [])).toThrow(
      /not a number/,
    );
  });

  it('reads the form written before the fast counts, each fast count taken as its window count', () => {
    // Prepare: an entry as the release before `f` wrote it (docs/history-table.md), one leaf.
    const id = NEW.slice(0, 12);
    const old = `e192.0.2.1 0 0 0 k 84 84 ${id}:0:0:84:84:0:z:0:1e:2s`;

    // Act
    const [decoded] = decodeMix([old], { lastCycleAt: AT, keyTypes: {} }, [NEW]);

    // Assess
    expect(decoded).toMatchObject({ gap: 2, n: 2.92, f: 2.92, s: 2.92 });
    expect(decoded.leaves).toEqual([
      { sha256: NEW, at: AT, h: 0, n: 2.92, f: 2.92, s: 2.92, m: 0, q: 0.35, g: 0, r: 0.5, k: 1 },
    ]);
    expect(() =>
      decodeMix([`e192.0.2.1 0 0 0 k 84 84 84 ${id}:0:0:84:84:0:z:0:1e:2s`], { lastCycleAt: AT, keyTypes: {} }, []),
    ).toThrow(/is not evidence/);
  });
});
