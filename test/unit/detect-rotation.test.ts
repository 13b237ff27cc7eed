import { detectTarget } from '../../lambdas/core/detect';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { cert, day, failed, INTERMEDIATE, obs, TARGET, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
const B = '192.0.2.2';
const OLD = cert('old', { from: -30, to: 60 });
const NEW = cert('new', { from: -1, to: 89 });

describe('rotation detection', () => {
  it('records a baseline on an empty history with one BASELINE notice and no NEW_CERTIFICATE', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    const notices = watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE]), obs(B, [OLD, INTERMEDIATE])]);

    // Assess
    expect(notices.map((n) => n.type)).toEqual(['BASELINE']);
    const facts = notices[0].facts as NoticeFactsMap['BASELINE'];
    expect(facts.targets).toHaveLength(1);
    expect(facts.targets[0].leaves.map((l) => [l.sha256, l.addresses])).toEqual([[OLD.sha256, [A, B]]]);
    expect(watcher.history.certs.map((c) => c.role).sort()).toEqual(['chain', 'leaf']);
  });

  it('gives exactly BASELINE, NEW_CERTIFICATE, CERTIFICATE_RETIRED over a rollout with alternation', () => {
    // Prepare
    const watcher = new Watcher();
    const both = (a: typeof OLD, b: typeof OLD) => [obs(A, [a, INTERMEDIATE]), obs(B, [b, INTERMEDIATE])];

    // Act
    watcher.cycle(day(0), both(OLD, OLD));
    watcher.cycle(day(1), both(OLD, NEW));
    watcher.cycle(day(2), both(NEW, OLD)); // alternation, as during Google's rollouts
    watcher.cycle(day(3), both(OLD, NEW));
    for (let d = 4; d <= 9; d++) watcher.cycle(day(d), both(NEW, NEW));

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);
    const created = watcher.log[1][0].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(created.cert.sha256).toBe(NEW.sha256);
    expect(created.replaces.map((r) => r.sha256)).toEqual([OLD.sha256]);
    expect(created.rollout).toEqual({ addresses: [B], serving: 1, total: 2, share: expect.any(Number) });
    expect(watcher.log[1][0].text).toMatch(/New leaf on ~\d+ % of connections, 1 of 2 addresses/);
    const retiredIn = watcher.log.find((n) => n[0]?.type === 'CERTIFICATE_RETIRED') ?? [];
    const retired = retiredIn[0].facts as NoticeFactsMap['CERTIFICATE_RETIRED'];
    expect(retired.cert.sha256).toBe(OLD.sha256);
    expect(retired.lastSeen).toBe(day(3).toISOString());
    expect(retired.successors.map((s) => s.sha256)).toEqual([NEW.sha256]);
    // Daily cycles: the stale window (48 watched hours) after the last sighting, the first interval capped.
    expect(Date.parse(retiredIn[0].at)).toBeGreaterThanOrEqual(day(5).getTime());
    const old = watcher.history.certs.find((c) => c.sha256 === OLD.sha256);
    expect(old).toMatchObject({ status: 'retired', retiredAt: retiredIn[0].at, lastSeen: day(3).toISOString() });
  });

  it('does not count a cycle in which the key type did not answer towards retirement', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE])]);

    // Act
    for (let i = 1; i <= 5; i++) watcher.cycle(day(i), [failed(A, 'CONNECT_TIMEOUT')]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'PROBE_FAILING']);
    expect(watcher.history.certs.every((c) => c.status === 'active')).toBe(true);
  });

  it('changes no certificate record in steady state (one state write per target per cycle)', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE]), obs(B, [OLD, INTERMEDIATE])]);

    // Act
    const detection = detectTarget({
      target: TARGET,
      history: watcher.history,
      observations: [obs(B, [OLD, INTERMEDIATE]), obs(A, [OLD, INTERMEDIATE])],
      now: day(1),
      config: DEFAULT_WATCH_CONFIG,
    });

    // Assess
    expect(detection.notices).toEqual([]);
    expect(detection.changedCerts).toEqual([]);
    expect(detection.state.lastCycleAt).toBe(day(1).toISOString());
  });

  it('gives the same notices and dedupe keys when a detection is repeated on the same history', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE])]);
    const snapshot = structuredClone(watcher.history);
    const input = {
      target: TARGET,
      history: watcher.history,
      observations: [obs(A, [NEW, INTERMEDIATE])],
      config: DEFAULT_WATCH_CONFIG,
    };

    // Act
    const first = detectTarget({ ...input, now: day(1) });
    const again = detectTarget({ ...input, now: new Date(day(1).getTime() + 60_000) });

    // Assess
    expect(first.notices.map((n) => n.dedupeKey)).toEqual(again.notices.map((n) => n.dedupeKey));
    expect(first.notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    expect(watcher.history).toEqual(snapshot);
  });

  it('does not advance retirement or failure counts for a second cycle of the same instant', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE])]);
    watcher.cycle(day(1), [obs(A, [NEW, INTERMEDIATE])]);

    // Act
    for (let i = 0; i < 4; i++) watcher.cycle(day(2), [obs(A, [NEW, INTERMEDIATE])]);
    for (let i = 0; i < 4; i++) watcher.cycle(day(3), [failed(A, 'CONNECT_TIMEOUT')]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
    expect(watcher.history.state).toMatchObject({
      cycles: 4,
      consecutiveFailures: 1,
      keyTypes: { ecdsa: { cycles: 3 } },
    });
  });

  it('re-activates a retired certificate that comes back with one CERTIFICATE_RETURNED', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE])]);
    watcher.cycle(day(1), [obs(A, [NEW, INTERMEDIATE])]);
    for (let i = 2; i <= 4; i++) watcher.cycle(day(i), [obs(A, [NEW, INTERMEDIATE])]);

    // Act
    const back = watcher.cycle(day(5), [obs(A, [OLD, INTERMEDIATE])]);

    // Assess
    expect(back.map((n) => n.type)).toEqual(['CERTIFICATE_RETURNED']);
    expect(watcher.history.certs.find((c) => c.sha256 === OLD.sha256)?.status).toBe('active');
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED', 'CERTIFICATE_RETURNED']);
  });

  it('retires a replaced intermediate silently and tracks key types separately', () => {
    // Prepare
    const watcher = new Watcher();
    const rsaLeaf = cert('rsa-leaf', { keyAlgorithm: 'RSA 2048' });
    const otherIntermediate = cert('Other Intermediate', { from: -365, to: 3650, issuer: 'CN=Test Root' });
    watcher.cycle(day(0), [obs(A, [OLD, INTERMEDIATE]), obs(A, [rsaLeaf, INTERMEDIATE], { keyType: 'rsa' })]);

    // Act: RSA refused for two days (shorter than the window of a withdrawn key type), then served again.
    for (let i = 1; i <= 4; i++) {
      const rsa =
        i <= 2 ? failed(A, 'KEY_TYPE_UNAVAILABLE', 'rsa') : obs(A, [rsaLeaf, otherIntermediate], { keyType: 'rsa' });
      watcher.cycle(day(i), [obs(A, [OLD, otherIntermediate]), rsa]);
    }

    // Assess
    expect(watcher.types()).toEqual(['BASELINE']);
    const byName = Object.fromEntries(watcher.history.certs.map((c) => [c.subject, c.status]));
    expect(byName).toEqual({
      'CN=old': 'active',
      'CN=rsa-leaf': 'active',
      'CN=Test Intermediate': 'retired',
      'CN=Other Intermediate': 'active',
    });
  });
});
