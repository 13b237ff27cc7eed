/**
 * A key type withdrawn (docs/rollouts.md): the target keeps answering RSA while every address refuses
 * ECDSA; past the stale window one KEY_TYPE_WITHDRAWN, and the ECDSA leaf retires with it.
 */
import type { Notice } from '../../lambdas/core/notice';
import type { Observation } from '../../lambdas/core/observation';
import { cert, failed, INTERMEDIATE, obs, T0, Watcher } from './detect-fixtures';

const HOUR = 3_600_000;
const A = '192.0.2.1';
const B = '192.0.2.2';
const ECDSA = cert('withdrawn-ecdsa');
const RSA = cert('withdrawn-rsa', { keyAlgorithm: 'RSA 2048' });

function hour(n: number): Date {
  return new Date(T0.getTime() + n * HOUR);
}

function both(address: string, ecdsa: boolean): Observation[] {
  return [
    obs(address, [RSA, INTERMEDIATE], { keyType: 'rsa' }),
    ecdsa ? obs(address, [ECDSA, INTERMEDIATE]) : failed(address, 'KEY_TYPE_UNAVAILABLE'),
  ];
}

describe('a key type withdrawn', () => {
  it('raises KEY_TYPE_WITHDRAWN once after the stale window and retires its leaf, then hears its return', () => {
    // Prepare
    const watcher = new Watcher();
    for (let h = 0; h < 24; h++) watcher.cycle(hour(h), [...both(A, true), ...both(B, true)]);

    // Act: ECDSA offered by no address for three days, then back.
    const gone: Notice[] = [];
    for (let h = 24; h < 96; h++) gone.push(...watcher.cycle(hour(h), [...both(A, false), ...both(B, false)]));
    const back = watcher.cycle(hour(96), [...both(A, true), ...both(B, false)]);

    // Assess
    expect(gone.map((n) => n.type)).toEqual(['KEY_TYPE_WITHDRAWN', 'CERTIFICATE_RETIRED']);
    const [withdrawn, retired] = gone as [Notice<'KEY_TYPE_WITHDRAWN'>, Notice<'CERTIFICATE_RETIRED'>];
    expect(withdrawn.severity).toBe('warning');
    expect(withdrawn.facts).toMatchObject({ keyType: 'ecdsa', since: hour(24).toISOString(), addresses: [A, B] });
    expect(Date.parse(withdrawn.at) - hour(24).getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    expect(retired.facts.cert.sha256).toBe(ECDSA.sha256);
    expect(retired.facts.evidence?.rule).toBe('withdrawn');
    expect(back.map((n) => n.type)).toEqual(['CERTIFICATE_RETURNED']);
  });

  it('counts nothing while the whole target is unreachable or the key type only fails', () => {
    // Prepare
    const watcher = new Watcher();
    for (let h = 0; h < 24; h++) watcher.cycle(hour(h), both(A, true));

    // Act: timeouts on both key types for three days, then ECDSA handshakes failing (not refused).
    for (let h = 24; h < 96; h++)
      watcher.cycle(hour(h), [failed(A, 'CONNECT_TIMEOUT', 'rsa'), failed(A, 'CONNECT_TIMEOUT')]);
    for (let h = 96; h < 170; h++) {
      watcher.cycle(hour(h), [obs(A, [RSA, INTERMEDIATE], { keyType: 'rsa' }), failed(A, 'TLS_HANDSHAKE_FAILED')]);
    }

    // Assess
    expect(watcher.types().filter((t) => t === 'KEY_TYPE_WITHDRAWN')).toEqual([]);
  });
});
