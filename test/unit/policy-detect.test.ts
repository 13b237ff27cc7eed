import type { NoticeFactsMap } from '../../lambdas/core/notice';
import type { Cert, Observation } from '../../lambdas/core/observation';
import type { ConsumerPolicyVerdict, RuleVerdict } from '../../lambdas/core/policy/model';
import { cert, day, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
const B = '192.0.2.2';
const OLD = cert('old', { from: -30, to: 60 });
const NEW = cert('new', { from: -1, to: 89 });

function rule(
  status: RuleVerdict['status'],
  severity: RuleVerdict['severity'] = 'critical',
  extra: Partial<RuleVerdict> = {},
): RuleVerdict {
  return { policy: 1, kind: 'pins', status, severity, reason: `pins ${status}`, ...extra };
}

function judged(address: string, leaf: Cert, rules: RuleVerdict[]): Observation {
  const verdict: ConsumerPolicyVerdict = {
    ok: !rules.some((r) => r.status === 'fail' && r.severity !== 'none'),
    policies: [1],
    rules,
  };
  return { ...obs(address, [leaf, INTERMEDIATE]), consumerPolicy: verdict };
}

describe('consumer policy detection (pure, on the detection fixtures)', () => {
  it('raises POLICY_MISMATCH once for a refused leaf, however many cycles keep serving it', () => {
    // Prepare
    const watcher = new Watcher();
    const pass = rule('pass', 'critical', { matched: ['P-OLD'] });
    const fail = rule('fail', 'critical', { remedy: { keep: ['aa'.repeat(32)], add: [NEW.sha256] } });

    // Act
    watcher.cycle(day(0), [judged(A, OLD, [pass]), judged(B, OLD, [pass])]);
    const first = watcher.cycle(day(1), [judged(A, OLD, [pass]), judged(B, NEW, [fail])]);
    const again = watcher.cycle(day(2), [judged(A, NEW, [fail]), judged(B, NEW, [fail])]);

    // Assess
    expect(first.map((n) => n.type)).toEqual(['NEW_CERTIFICATE', 'POLICY_MISMATCH']);
    const facts = first[1].facts as NoticeFactsMap['POLICY_MISMATCH'];
    expect(facts.remedy.postfix?.lines[0]).toMatch(/^\[mx\.test\.example\]:25 fingerprint match=AA:AA.*\|/);
    expect(again.map((n) => n.type)).not.toContain('POLICY_MISMATCH');
  });

  it('waits for a refused leaf that was not seen this cycle before POLICY_SATISFIED', () => {
    // Prepare
    const watcher = new Watcher();
    const pass = rule('pass');
    const fail = rule('fail');
    watcher.cycle(day(0), [judged(A, OLD, [pass]), judged(B, OLD, [pass])]);
    watcher.cycle(day(1), [judged(A, OLD, [pass]), judged(B, NEW, [fail])]);

    // Act: only A answers (B unobserved), then B serves OLD again, then NEW retires.
    const unobserved = watcher.cycle(day(2), [judged(A, OLD, [pass])]);
    const rest = [3, 4, 5, 6].flatMap((d) => watcher.cycle(day(d), [judged(A, OLD, [pass]), judged(B, OLD, [pass])]));

    // Assess
    expect(unobserved.map((n) => n.type)).not.toContain('POLICY_SATISFIED');
    expect(rest.map((n) => n.type)).toContain('POLICY_SATISFIED');
    expect(rest.map((n) => n.type).filter((t) => t === 'POLICY_SATISFIED')).toHaveLength(1);
  });

  it('raises POLICY_WARNING, not POLICY_MISMATCH, for a warning-level failure (MTA-STS testing)', () => {
    const watcher = new Watcher();
    const testing = rule('fail', 'warning', { kind: 'mtaSts', remedy: { mx: 'mx.test.example' } });

    const baseline = watcher.cycle(day(0), [judged(A, OLD, [testing])]);

    expect(baseline.map((n) => n.type)).toEqual(['BASELINE', 'POLICY_WARNING']);
    expect(baseline[1].severity).toBe('warning');
    expect(baseline[1].text).toContain('mx: mx.test.example');
  });

  it('keeps the verdict on the leaf record and rewrites it only when it changes', () => {
    const watcher = new Watcher();
    const pass = rule('pass', 'critical', { matched: ['P1'] });

    watcher.cycle(day(0), [judged(A, OLD, [pass])]);
    const record = () => watcher.history.certs.find((c) => c.sha256 === OLD.sha256);
    const firstAt = record()?.policy?.at;
    watcher.cycle(day(1), [judged(A, OLD, [pass])]);

    expect(record()?.policy).toMatchObject({ ok: true, matched: ['P1'], failed: [] });
    expect(record()?.policy?.at).toBe(firstAt);
  });
});
