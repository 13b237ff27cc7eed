/**
 * A seeded slice of the CT campaign (the full one runs in `npm run fuzz`): real test logs on loopback,
 * runs cut at random writes and restarted, transient faults; no CERTIFICATE_ISSUED missed, none twice.
 */
import { runCtCampaign } from './ct-campaign';

test('announces every certificate for a watched host exactly once across cut and restarted runs', async () => {
  // Act
  const result = await runCtCampaign({ seed: 2026, worlds: 1, steps: 30, certs: 5 });

  // Assess
  expect(result.worlds.map((w) => ({ missed: w.missed, duplicated: w.duplicated, unexpected: w.unexpected }))).toEqual([
    { missed: [], duplicated: [], unexpected: [] },
  ]);
  expect(result.expected).toBeGreaterThan(0);
  expect(result.crashes).toBeGreaterThan(0);
  expect(result.entries).toBeGreaterThan(1000);
});
