import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { cert, day, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
/** No ROTATION_OVERDUE noise in the threshold tests, and the thresholds as configured (no lifetime scaling). */
const NO_OVERDUE = { ...DEFAULT_WATCH_CONFIG, rotationOverdueShare: 0.999, expiryLifetimeShare: 'off' as const };

function thresholds(watcher: Watcher): Array<[string, number]> {
  return watcher.log
    .flat()
    .filter((n) => n.type === 'EXPIRY_WARNING')
    .map((n) => {
      const f = n.facts as NoticeFactsMap['EXPIRY_WARNING'];
      return [f.cert.subject, f.thresholdDays];
    });
}

describe('expiry detection', () => {
  it('warns once per threshold crossed while stepping through the days, then EXPIRED once', () => {
    // Prepare
    const watcher = new Watcher(NO_OVERDUE);
    const leaf = cert('short', { from: -5, to: 22 });
    const steps = [0, 0.5, 1.5, 2, 5, 8.5, 9, 15.5, 16, 19.5, 20, 21.5, 21.9, 22.5, 23, 30];

    // Act
    for (const d of steps) watcher.cycle(day(d), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess
    expect(thresholds(watcher)).toEqual([
      ['CN=short', 21],
      ['CN=short', 14],
      ['CN=short', 7],
      ['CN=short', 3],
      ['CN=short', 1],
    ]);
    expect(watcher.types().filter((t) => t === 'EXPIRED')).toEqual(['EXPIRED']);
    expect(watcher.types().filter((t) => !['EXPIRY_WARNING', 'EXPIRED'].includes(t))).toEqual(['BASELINE']);
    const expired = watcher.log.flat().find((n) => n.type === 'EXPIRED');
    expect(expired?.at).toBe(day(22.5).toISOString());
    expect(expired?.severity).toBe('critical');
  });

  it('sends one warning for the nearest threshold when several are crossed at first sight', () => {
    // Prepare
    const watcher = new Watcher(NO_OVERDUE);
    const leaf = cert('late', { from: -80, to: 5 });

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE])]);
    watcher.cycle(day(1), [obs(A, [leaf, INTERMEDIATE])]);
    watcher.cycle(day(2.5), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess
    expect(watcher.log[0].map((n) => n.type)).toEqual(['BASELINE', 'EXPIRY_WARNING']);
    expect(thresholds(watcher)).toEqual([
      ['CN=late', 7],
      ['CN=late', 3],
    ]);
    expect(watcher.log[0][1].subject).toBe(
      'certwatch warning: ecdsa certificate on mx.test.example:25 expires in 5 days',
    );
  });

  it('warns for a served intermediate and ignores a served self-signed root', () => {
    // Prepare
    const watcher = new Watcher(NO_OVERDUE);
    const leaf = cert('leaf', { from: -1, to: 80 });
    const intermediate = cert('Old Intermediate', { from: -3000, to: 10, issuer: 'CN=Test Root' });
    const root = cert('Test Root', { from: -4000, to: 2, issuer: 'CN=Test Root', selfSigned: true });

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, intermediate, root])]);

    // Assess
    const warnings = watcher.log[0].filter((n) => n.type === 'EXPIRY_WARNING');
    expect(warnings.map((n) => (n.facts as NoticeFactsMap['EXPIRY_WARNING']).cert)).toMatchObject([
      { subject: 'CN=Old Intermediate', role: 'chain', daysLeft: 10 },
    ]);
    expect(warnings[0].subject).toContain('intermediate certificate');
  });

  it('raises ROTATION_OVERDUE once when a leaf passes 75 % of its lifetime without a successor', () => {
    // Prepare
    const watcher = new Watcher();
    const leaf = cert('aging', { from: -70, to: 30 });

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE])]);
    watcher.cycle(day(4), [obs(A, [leaf, INTERMEDIATE])]);
    watcher.cycle(day(6), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'ROTATION_OVERDUE']);
    expect(watcher.log[1]).toEqual([]);
    const facts = watcher.log[2][0].facts as NoticeFactsMap['ROTATION_OVERDUE'];
    expect(facts).toMatchObject({ lifetimeShare: 0.76, thresholdShare: 0.75 });
    expect(facts.cert.sha256).toBe(leaf.sha256);
  });

  it('raises no ROTATION_OVERDUE when a successor has been seen', () => {
    // Prepare
    const watcher = new Watcher();
    const aging = cert('aging', { from: -70, to: 30 });
    const successor = cert('successor', { from: -1, to: 89 });
    watcher.cycle(day(0), [obs(A, [aging, INTERMEDIATE]), obs('192.0.2.2', [successor, INTERMEDIATE])]);

    // Act
    watcher.cycle(day(6), [obs(A, [aging, INTERMEDIATE]), obs('192.0.2.2', [successor, INTERMEDIATE])]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE']);
  });
});

describe('expiry thresholds that scale with the lifetime (min(days, lifetime / 3))', () => {
  const warnings = (watcher: Watcher) =>
    watcher.log.map((cycle) =>
      cycle
        .filter((n) => n.type === 'EXPIRY_WARNING')
        .map((n) => {
          const f = n.facts as NoticeFactsMap['EXPIRY_WARNING'];
          return [f.thresholdDays, f.scaledFrom ?? null];
        }),
    );
  const quiet = { ...DEFAULT_WATCH_CONFIG, rotationOverdueShare: 0.999 };

  it('lets a 6-day leaf raise nothing at first sight, then warns once at 2 days (21, 14, 7 and 3 collapsed) and at 1', () => {
    // Prepare
    const watcher = new Watcher(quiet);
    const leaf = cert('six-day', { from: 0, to: 6 });

    // Act: a cycle every half day through its life
    for (let d = 0; d <= 6.5; d += 0.5) watcher.cycle(day(d), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess
    const found = warnings(watcher);
    expect(found.slice(0, 8).flat()).toEqual([]);
    expect(found.flat()).toEqual([
      [2, [21, 14, 7, 3]],
      [1, null],
    ]);
    expect(found[8]).toEqual([[2, [21, 14, 7, 3]]]);
    expect(found[10]).toEqual([[1, null]]);
    expect(watcher.types().filter((t) => t === 'EXPIRED')).toEqual(['EXPIRED']);
  });

  it('lets an 84-day leaf warn at 21, 14, 7, 3 and 1 days, as with fixed thresholds', () => {
    // Prepare
    const watcher = new Watcher(quiet);
    const leaf = cert('eighty-four-day', { from: 0, to: 84 });

    // Act: a cycle a day through its life
    for (let d = 0; d <= 85; d++) watcher.cycle(day(d), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess
    expect(warnings(watcher).flat()).toEqual([
      [21, null],
      [14, null],
      [7, null],
      [3, null],
      [1, null],
    ]);
    expect(warnings(watcher)[63]).toEqual([[21, null]]);
  });

  it('keeps the configured thresholds with expiryLifetimeShare off', () => {
    // Prepare
    const watcher = new Watcher({ ...quiet, expiryLifetimeShare: 'off' });
    const leaf = cert('six-day', { from: 0, to: 6 });

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE])]);

    // Assess: first sight, 6 days left: the nearest configured threshold crossed
    expect(warnings(watcher)).toEqual([[[7, null]]]);
  });
});

describe('ROTATION_OVERDUE and the observed cadence', () => {
  const overdue = (watcher: Watcher) =>
    watcher.log.flatMap((cycle, i) => cycle.filter((n) => n.type === 'ROTATION_OVERDUE').map((n) => [i, n]));

  it('keeps the share rule until the history holds two rotations, then the cadence may tighten it', () => {
    // Prepare: 84-day leaves replaced 30 days after notBefore, twice; the third is not replaced
    const watcher = new Watcher({ ...DEFAULT_WATCH_CONFIG, expiryLifetimeShare: 'off', expiryThresholdsDays: [1] });
    const leaves = [0, 30, 60].map((from) => cert(`leaf-${from}`, { from, to: from + 84 }));
    const serving = (d: number) =>
      leaves.filter((l, i) => Date.parse(l.notBefore) <= day(d).getTime() && (i === 2 || d < 30 * (i + 1)));

    // Act: one cycle a day from day 0 to day 120
    for (let d = 0; d <= 120; d++) watcher.cycle(day(d), [obs(A, [serving(d).at(-1) ?? leaves[0], INTERMEDIATE])]);

    // Assess: overdue at 60 + 1.25 × 30 = 97.5 days → the cycle of day 98, not at 75 % (day 123)
    const found = overdue(watcher);
    expect(found.map(([i]) => i)).toEqual([98]);
    const facts = (found[0][1] as { facts: NoticeFactsMap['ROTATION_OVERDUE'] }).facts;
    expect(facts.cert.subject).toBe('CN=leaf-60');
    expect(facts.cadence).toEqual({ rotations: 2, replacedAfterDays: 30, thresholdDays: 37.5 });
  });

  it('never loosens the share rule: a slow cadence leaves ROTATION_OVERDUE at 75 %', () => {
    // Prepare: 40-day leaves replaced 35 days in (past 75 % of 40 = 30 days)
    const watcher = new Watcher({ ...DEFAULT_WATCH_CONFIG, expiryLifetimeShare: 'off', expiryThresholdsDays: [1] });
    const leaves = [0, 35, 70].map((from) => cert(`slow-${from}`, { from, to: from + 40 }));
    const current = (d: number) => (d < 35 ? leaves[0] : d < 70 ? leaves[1] : leaves[2]);

    // Act
    for (let d = 0; d <= 105; d++) watcher.cycle(day(d), [obs(A, [current(d), INTERMEDIATE])]);

    // Assess: each leaf is overdue at 30 days of age (75 % of 40), cadence or not
    expect(overdue(watcher).map(([i]) => i)).toEqual([30, 65, 100]);
    expect(overdue(watcher).every(([, n]) => (n as { facts: { cadence?: unknown } }).facts.cadence === undefined)).toBe(
      true,
    );
  });
});
