/**
 * Settlement of leaf notices across targets (core/detect/settle.ts; docs/rollouts.md "Shared leaves"):
 * a return at one target of a leaf another never stopped serving is no news, and PIN_UNUSED waits for the
 * last target. Pure detection over two targets, as the run settles a whole cycle.
 */
import type { DetectTarget } from '../../lambdas/core/detect';
import type { Notice } from '../../lambdas/core/notice';
import type { Cert, Observation } from '../../lambdas/core/observation';
import { SettledFleet } from '../fuzz/settled-fleet';
import { cert, INTERMEDIATE, obs, T0, TARGET } from './detect-fixtures';

const HOUR = 3_600_000;
const T2: DetectTarget = { url: 'smtps://relay.test.example:465', host: 'relay.test.example', mode: 'implicit' };
const OLD = cert('settle-old', { from: -30, to: 60 });
const NEW = cert('settle-new', { from: -1, to: 89 });
const PIN = `sha256/${OLD.spkiSha256}`;

/** What each target serves this hour, its pin matched by the consumer policy. */
function serving(first: Cert, second: Cert): Observation[] {
  const pinned = (o: Observation, leaf: Cert): Observation => ({
    ...o,
    consumerPolicy: {
      ok: true,
      policies: [0],
      rules: [
        {
          policy: 0,
          kind: 'pins',
          status: 'pass',
          severity: 'critical',
          reason: 'matched',
          matched: [`sha256/${leaf.spkiSha256}`],
        },
      ],
    },
  });
  return [
    pinned(obs('192.0.2.1', [first, INTERMEDIATE]), first),
    { ...pinned(obs('192.0.2.2', [second, INTERMEDIATE]), second), target: T2.url, host: T2.host },
  ];
}

function run(fleet: SettledFleet, from: number, to: number, see: () => Observation[]): Notice[] {
  const out: Notice[] = [];
  for (let h = from; h < to; h += 1) out.push(...fleet.cycle(new Date(T0.getTime() + h * HOUR), see()));
  return out;
}

describe('leaf notices settled across targets', () => {
  it('says nothing of a return at one target of a leaf the other target never stopped serving', () => {
    // Prepare: the first target moves to the new leaf (its old leaf retires there, silently: the second
    // target still serves it).
    const fleet = new SettledFleet([TARGET, T2]);
    run(fleet, 0, 24, () => serving(OLD, OLD));
    const moved = run(fleet, 24, 100, () => serving(NEW, OLD));

    // Act: the first target rolls back.
    const back = run(fleet, 100, 104, () => serving(OLD, OLD));

    // Assess
    expect(moved.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    expect(back).toEqual([]);
  });

  it('says PIN_UNUSED once, a week after the last target retired the leaf, not after the first', () => {
    // Prepare: the first target retires the old leaf days before the second.
    const fleet = new SettledFleet([TARGET, T2]);
    run(fleet, 0, 24, () => serving(OLD, OLD));
    run(fleet, 24, 24 * 6, () => serving(NEW, OLD));

    // Act
    const later = run(fleet, 24 * 6, 24 * 16, () => serving(NEW, NEW));

    // Assess
    const types = later.map((n) => n.type);
    expect(types.filter((t) => t !== 'NEW_CERTIFICATE' && t !== 'ROLLOUT_PROGRESS')).toEqual([
      'CERTIFICATE_RETIRED',
      'PIN_UNUSED',
    ]);
    const [retired, unused] = later.filter((n) => n.type === 'CERTIFICATE_RETIRED' || n.type === 'PIN_UNUSED');
    expect(retired.hosts.sort()).toEqual([TARGET.host, T2.host].sort());
    expect((unused as Notice<'PIN_UNUSED'>).facts.pin).toBe(PIN);
    expect(Date.parse(unused.at) - Date.parse(retired.at)).toBeGreaterThanOrEqual(7 * 24 * HOUR);
  });
});
