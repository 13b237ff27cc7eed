import { DAY_MS, daysBetween, daysUntil, wholeDays } from '../../lambdas/core/days';

const NOW = new Date('2026-03-01T12:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('days to expiry: one rule', () => {
  it.each([
    [4 * DAY_MS + 23 * 3_600_000 + 40 * 60_000, 4, 4.9],
    [5 * DAY_MS, 5, 5],
    [5 * DAY_MS - 1, 4, 4.9],
    [12 * 3_600_000, 0, 0.5],
    [-2 * 3_600_000, -1, -0.1],
    [-3 * DAY_MS - 1, -4, -3.1],
  ])('%d ms ahead reads %d whole days (floored) and keeps %d as the fraction', (ms, whole, fraction) => {
    // Act
    const shown = daysUntil(later(ms), NOW);
    const kept = daysBetween(NOW, later(ms).toISOString());

    // Assess
    expect(shown).toBe(whole);
    expect(kept).toBe(fraction);
  });

  it('the fraction JSON and metrics keep always floors to the whole days people read', () => {
    // Prepare: every 7 minutes over ±30 days, and the instants just around each day boundary.
    const offsets: number[] = [];
    for (let ms = -30 * DAY_MS; ms <= 30 * DAY_MS; ms += 7 * 60_000) offsets.push(ms);
    for (let d = -30; d <= 30; d++) offsets.push(d * DAY_MS - 1, d * DAY_MS, d * DAY_MS + 1);

    // Act
    const disagreements = offsets.filter((ms) => {
      const shown = daysUntil(later(ms), NOW);
      return wholeDays(daysBetween(NOW, later(ms), 1)) !== shown || wholeDays(daysBetween(NOW, later(ms), 2)) !== shown;
    });

    // Assess
    expect(offsets.length).toBeGreaterThan(10_000);
    expect(disagreements).toEqual([]);
  });
});
