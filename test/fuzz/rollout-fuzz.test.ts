/**
 * A seeded slice of the rollout campaign (the full one runs in `npm run fuzz`): random DNS answer
 * sequences over frontends serving overlapping leaves, a rollout, sometimes a rollback or a frontend
 * leaving DNS. Pure detection on simulated time.
 */
import { runRolloutCampaign, runRolloutSim } from './rollout-sim';

describe('rollout campaign (seeded slice)', () => {
  it('keeps every invariant over random DNS answers, rollouts and rollbacks', () => {
    // Act
    const result = runRolloutCampaign({ seed: 2026, runs: 6, days: 12, cycleMinutes: 60, randomWorld: true });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.flaps).toBe(0);
    expect(result.counts.NEW_CERTIFICATE).toBe(2 * 6);
    // One BASELINE per run, or two when a key type's first probe failed (its baseline waits for first light).
    expect(result.counts.BASELINE).toBeGreaterThanOrEqual(6);
    expect(result.counts.BASELINE).toBeLessThanOrEqual(12);
  });

  it('catches the flaps of a retirement that trusts one cycle (the checker can fail)', () => {
    // Act: no evidence kept between cycles, as "not seen this cycle = gone" did.
    const result = runRolloutSim({ seed: 7, days: 12, cycleMinutes: 60, forgetEvidence: true });

    // Assess
    expect(result.flaps).toBeGreaterThan(0);
    expect(result.violations.some((v) => v.includes('still does'))).toBe(true);
  });
});
