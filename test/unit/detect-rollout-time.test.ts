/**
 * The rollout model and time (docs/rollouts.md): a pause of the watcher is neither evidence nor gap, gap
 * estimates shrink again, cycles that do not advance time (a clock stepped back, a late retry) add their
 * observations and never retire from evidence older than what they hold. Pure detection, `now` injected.
 */
import type { Notice, NoticeFactsMap } from '../../lambdas/core/notice';
import type { Cert, Observation } from '../../lambdas/core/observation';
import { Rng } from '../fuzz/prng';
import { cert, INTERMEDIATE, obs, T0, Watcher } from './detect-fixtures';

const HOUR = 3_600_000;
const A = '192.0.2.1';
const B = '192.0.2.2';
const OLD = cert('old', { from: -30, to: 60 });
const NEW = cert('new', { from: -1, to: 89 });

function hour(n: number): Date {
  return new Date(T0.getTime() + n * HOUR);
}

function at(address: string, leaf: Cert): Observation {
  return obs(address, [leaf, INTERMEDIATE]);
}

function quarterHours(watcher: Watcher, from: number, to: number, see: (h: number) => Observation[]): Notice[] {
  const out: Notice[] = [];
  for (let h = from; h < to; h += 0.25) out.push(...watcher.cycle(hour(h), see(h)));
  return out;
}

function gapOf(watcher: Watcher, address: string): number | undefined {
  return watcher.history.state?.evidence.find((e) => e.address === address)?.gap;
}

describe('rollout model and time', () => {
  it('retires nothing after a three-day pause in the middle of a rollout while both leaves are still served', () => {
    // Prepare: one load-balanced address serving old and new at even odds, watched for two days.
    const watcher = new Watcher();
    const rng = Rng.for(3, 'pause');
    const mixed = () => [at(A, rng.chance(0.5) ? OLD : NEW)];
    quarterHours(watcher, 0, 24, () => [at(A, OLD)]);
    quarterHours(watcher, 24, 48, mixed);

    // Act: the watcher stops for three days, then resumes; its first handshakes happen to reach new frontends.
    const resumed = [...quarterHours(watcher, 120, 121, () => [at(A, NEW)]), ...quarterHours(watcher, 121, 144, mixed)];

    // Assess
    expect(resumed).toEqual([]);
    expect(
      watcher.history.certs
        .filter((c) => c.status === 'active')
        .map((c) => c.sha256)
        .sort(),
    ).toEqual([OLD.sha256, NEW.sha256, INTERMEDIATE.sha256].sort());
  });

  it('does not widen an address window by a pause of the watcher before a rollout', () => {
    // Prepare
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD)]);

    // Act: three days without a cycle, then cycles again.
    watcher.cycle(hour(96), [at(A, OLD), at(B, OLD)]);

    // Assess: the gap estimate is the cadence, not the pause.
    expect(gapOf(watcher, A)).toBeLessThan(1);
    expect(watcher.history.state?.cadence).toBeLessThanOrEqual(30);
  });

  it('widens an address window after one long DNS absence, and narrows it again once DNS names it regularly', () => {
    // Prepare: B missing from the DNS answers for 100 hours while A answers.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 12, () => [at(A, OLD), at(B, OLD)]);
    quarterHours(watcher, 12, 112, () => [at(A, OLD)]);
    watcher.cycle(hour(112), [at(A, OLD), at(B, OLD)]);
    const widened = gapOf(watcher, B) ?? 0;

    // Act
    quarterHours(watcher, 112.25, 124, () => [at(A, OLD), at(B, OLD)]);

    // Assess
    expect(widened).toBeGreaterThanOrEqual(99);
    expect(gapOf(watcher, B)).toBeLessThan(24);
  });

  it('adds the observations of a cycle stamped before the last, and reports its new leaf never as 0 of n', () => {
    // Prepare
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD)]);

    // Act: a clock stepped back an hour sees the new leaf on A.
    const behind = watcher.cycle(hour(23), [at(A, NEW), at(B, OLD)]);

    // Assess
    expect(behind.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    const facts = behind[0].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(facts.rollout.serving).toBe(1);
    expect(facts.rollout.share).toBeGreaterThan(0);
    const mixAtA = watcher.history.state?.evidence.find((e) => e.address === A)?.leaves.map((l) => l.sha256);
    expect(mixAtA).toEqual(expect.arrayContaining([OLD.sha256, NEW.sha256]));
  });

  it('reports a new leaf a cycle stamped before the last sees at a stale address as 1 of n, not 0 of n', () => {
    // Prepare: B leaves DNS for three days (stale after 48 watched hours), A keeps the old leaf.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD)]);
    quarterHours(watcher, 24, 96, () => [at(A, OLD)]);

    // Act: a clock stepped back an hour sees B again, with the new leaf.
    const behind = watcher.cycle(hour(95), [at(A, OLD), at(B, NEW)]);

    // Assess
    expect(behind.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    const facts = behind[0].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(facts).toMatchObject({ rollout: { addresses: [B], serving: 1, total: 2 } });
    expect(behind[0].subject).not.toMatch(/0 of/);
  });

  it('lets a late retry that sees a rollback raise RETURNED once, and retires nothing from older evidence after it', () => {
    // Prepare: the rollout completes and the old leaf retires.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD)]);
    quarterHours(watcher, 24, 60, () => [at(A, NEW), at(B, NEW)]);
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);

    // Act: a retry stamped an hour before the last cycle sees B rolled back; then B is forward again.
    const retry = watcher.cycle(hour(59), [at(A, NEW), at(B, OLD)]);
    const next = quarterHours(watcher, 60, 72, () => [at(A, NEW), at(B, NEW)]);

    // Assess
    expect(retry.map((n) => n.type)).toEqual(['CERTIFICATE_RETURNED']);
    expect(next).toEqual([]);
  });
});
