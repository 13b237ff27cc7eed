import { detectPostureChanges, postureDigest } from '../../lambdas/core/detect/posture';
import { emptyVersions, type Posture } from '../../lambdas/core/posture/posture';

const TARGET = 'smtp://mx.example:25';
const NOW = new Date('2026-03-01T00:00:00Z');

function posture(suites12: string[], options: { ok?: boolean; tls11?: string[] } = {}): Posture {
  const versions = emptyVersions();
  versions['TLSv1.2'] = { accepted: suites12.length > 0, suites: suites12 };
  if (options.tls11) versions['TLSv1.1'] = { accepted: true, suites: options.tls11 };
  return {
    target: TARGET,
    host: 'mx.example',
    port: 25,
    address: '192.0.2.1',
    ok: options.ok ?? true,
    ...(options.ok === false ? { error: { code: 'TIMEOUT' as const, message: 'timed out' } } : {}),
    versions,
    untestable: [],
    baseline: { published: '2023-03', missingOnServer: [], extraOnServer: [] },
  };
}

const A = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256';
const B = 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384';

describe('detectPostureChanges', () => {
  it('keeps the first complete posture without a notice when no rule is given', () => {
    // Act
    const detection = detectPostureChanges({
      target: TARGET,
      host: 'mx.example',
      previous: {},
      current: [posture([A])],
      rules: [],
      now: NOW,
    });

    // Assess
    expect(detection.notices).toEqual([]);
    expect(detection.dirty).toBe(true);
    expect(detection.next['192.0.2.1'].since).toBe(NOW.toISOString());
  });

  it('neither compares nor keeps an incomplete enumeration', () => {
    // Prepare
    const previous = { '192.0.2.1': { posture: posture([A, B]), since: '2026-02-01T00:00:00.000Z' } };

    // Act
    const detection = detectPostureChanges({
      target: TARGET,
      host: 'mx.example',
      previous,
      current: [posture([A], { ok: false })],
      rules: [],
      now: NOW,
    });

    // Assess
    expect(detection.notices).toEqual([]);
    expect(detection.dirty).toBe(false);
    expect(detection.next).toEqual(previous);
  });

  it('gives the same dedupe key for the same change, whatever order the suites were found in', () => {
    // Prepare
    const previous = { '192.0.2.1': { posture: posture([A]), since: '2026-02-01T00:00:00.000Z' } };
    const input = { target: TARGET, host: 'mx.example', previous, rules: [], now: NOW };

    // Act
    const one = detectPostureChanges({ ...input, current: [posture([A, B])] });
    const two = detectPostureChanges({ ...input, current: [posture([B, A])], now: new Date('2026-03-02T00:00:00Z') });

    // Assess
    expect(one.notices.map((n) => n.type)).toEqual(['TLS_POSTURE_CHANGED']);
    expect(two.notices[0].dedupeKey).toBe(one.notices[0].dedupeKey);
    expect(postureDigest(posture([A, B]))).toBe(postureDigest(posture([B, A])));
    expect(postureDigest(posture([A]))).not.toBe(postureDigest(posture([A, B])));
  });

  it('does not rewrite the stored posture when the accepted set is unchanged', () => {
    // Prepare
    const previous = { '192.0.2.1': { posture: posture([A]), since: '2026-02-01T00:00:00.000Z' } };

    // Act
    const detection = detectPostureChanges({
      target: TARGET,
      host: 'mx.example',
      previous,
      current: [posture([A])],
      rules: [],
      now: NOW,
    });

    // Assess
    expect(detection.dirty).toBe(false);
    expect(detection.next['192.0.2.1'].since).toBe('2026-02-01T00:00:00.000Z');
  });
});
