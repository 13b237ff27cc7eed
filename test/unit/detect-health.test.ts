import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { cert, day, failed, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
const B = '192.0.2.2';
const LEAF = cert('leaf');

describe('probe health detection', () => {
  it('raises PROBE_FAILING after three failed cycles, once, and PROBE_RECOVERED when the target answers', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [LEAF, INTERMEDIATE])]);

    // Act
    for (let i = 1; i <= 5; i++) watcher.cycle(day(i), [failed(A, 'CONNECT_TIMEOUT'), failed(B, 'CONNECT_REFUSED')]);
    watcher.cycle(day(6), [obs(A, [LEAF, INTERMEDIATE])]);
    watcher.cycle(day(7), [obs(A, [LEAF, INTERMEDIATE])]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'PROBE_FAILING', 'PROBE_RECOVERED']);
    expect(watcher.log[3].map((n) => n.type)).toEqual(['PROBE_FAILING']);
    expect(watcher.log[3][0].facts).toMatchObject({
      consecutiveFailures: 3,
      failures: [
        { address: A, code: 'CONNECT_TIMEOUT' },
        { address: B, code: 'CONNECT_REFUSED' },
      ],
    });
    expect((watcher.log[6][0].facts as NoticeFactsMap['PROBE_RECOVERED']).failedCycles).toBe(5);
  });

  it('raises nothing for a single timeout or for a failure on one address of several', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [LEAF, INTERMEDIATE])]);

    // Act
    watcher.cycle(day(1), [failed(A, 'TIMEOUT')]);
    for (let i = 2; i <= 5; i++) watcher.cycle(day(i), [obs(A, [LEAF, INTERMEDIATE]), failed(B, 'CONNECT_TIMEOUT')]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE']);
  });

  it('does not count a missing key type as a failure of the target', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    for (let i = 0; i < 4; i++) {
      watcher.cycle(day(i), [obs(A, [LEAF, INTERMEDIATE]), failed(A, 'KEY_TYPE_UNAVAILABLE', 'rsa')]);
    }

    // Assess
    expect(watcher.types()).toEqual(['BASELINE']);
    expect(watcher.history.state?.consecutiveFailures).toBe(0);
  });
});

describe('STARTTLS detection', () => {
  it('raises STARTTLS_MISSING once when a target that offered STARTTLS stops offering it on one address', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [LEAF, INTERMEDIATE]), obs(B, [LEAF, INTERMEDIATE])]);

    // Act
    watcher.cycle(day(1), [obs(A, [LEAF, INTERMEDIATE]), failed(B, 'STARTTLS_NOT_OFFERED')]);
    for (let i = 2; i <= 5; i++)
      watcher.cycle(day(i), [obs(A, [LEAF, INTERMEDIATE]), failed(B, 'STARTTLS_NOT_OFFERED')]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'STARTTLS_MISSING']);
    const notice = watcher.log[1][0];
    expect(notice.severity).toBe('critical');
    expect(notice.facts).toMatchObject({ addresses: [B], ehlo: ['PIPELINING'] });
  });

  it('raises STARTTLS_MISSING again for a new episode after STARTTLS came back', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [LEAF, INTERMEDIATE])]);
    watcher.cycle(day(1), [failed(A, 'STARTTLS_NOT_OFFERED')]);
    watcher.cycle(day(2), [obs(A, [LEAF, INTERMEDIATE])]);

    // Act
    watcher.cycle(day(3), [failed(A, 'STARTTLS_NOT_OFFERED')]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'STARTTLS_MISSING', 'STARTTLS_MISSING']);
    const [first, second] = watcher.log.flat().filter((n) => n.type === 'STARTTLS_MISSING');
    expect(first.dedupeKey).not.toBe(second.dedupeKey);
  });

  it('raises no STARTTLS_MISSING for a target that never offered STARTTLS, nor PROBE_FAILING', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    for (let i = 0; i < 4; i++) watcher.cycle(day(i), [failed(A, 'STARTTLS_NOT_OFFERED')]);

    // Assess
    // No successful observation yet: no baseline (first light has not come).
    expect(watcher.types()).toEqual([]);
  });
});
