/**
 * A seeded slice of the rollout campaign (the full one, 100 seeds of every world at 15-minute cycles, runs
 * in `npm run fuzz`): one seed of each world of rollout-worlds.ts at hourly cycles. Pure detection.
 */
import { runRolloutCampaign, runRolloutSim } from './rollout-sim';
import { WORLDS } from './rollout-worlds';

describe('rollout campaign (seeded slice)', () => {
  it.each(Object.keys(WORLDS))('keeps every invariant in the %s world, without a flap', (world) => {
    // Act
    const result = runRolloutCampaign({ world, seed: 2026, runs: 1, cycleMinutes: 60 });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.flapDetails).toEqual([]);
    expect(result.returns.flap).toBe(0);
  });

  it('catches the flaps of a retirement that trusts one cycle (the checker can fail)', () => {
    // Act: no evidence kept between cycles, as "not seen this cycle = gone" did.
    const result = runRolloutSim({ world: 'two-backends', seed: 7, cycleMinutes: 60, forgetEvidence: true });

    // Assess
    expect(result.flaps).toBeGreaterThan(0);
  });
});

describe('the live view (docs/history-table.md)', () => {
  it.each(Object.keys(WORLDS))(
    'decides as the whole history in the %s world, with views smaller than the history',
    (world) => {
      // Act: every cycle that would read through a view also runs detection on it and compares (it throws).
      const result = runRolloutSim({ world, seed: 2026, cycleMinutes: 60 });

      // Assess
      expect(result.violations).toEqual([]);
      expect(result.liveView.viewed).toBeGreaterThan(0);
    },
  );
});
