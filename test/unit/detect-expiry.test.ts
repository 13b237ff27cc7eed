import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { cert, day, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
/** No ROTATION_OVERDUE noise in the threshold tests. */
const NO_OVERDUE = { ...DEFAULT_WATCH_CONFIG, rotationOverdueShare: 0.999 };

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
