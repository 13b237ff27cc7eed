import { assemblePosture } from '../../lambdas/core/posture/assemble';
import { postureDrift } from '../../lambdas/core/posture/drift';
import { parsePolicy } from '../../lambdas/core/posture/policy';
import { emptyVersions, type Posture, type TlsVersion, type UntestableSuite } from '../../lambdas/core/posture/posture';

function posture(
  accepted: Partial<Record<TlsVersion, string[]>>,
  extra: { ok?: boolean; untestable?: UntestableSuite[]; address?: string } = {},
): Posture {
  const versions = emptyVersions();
  for (const [version, suites] of Object.entries(accepted) as [TlsVersion, string[]][]) {
    versions[version] = { accepted: suites.length > 0, suites: [...suites] };
  }
  return assemblePosture({
    target: 'smtp://mx.example.test:25',
    host: 'mx.example.test',
    port: 25,
    address: extra.address ?? '192.0.2.1',
    versions,
    untestable: extra.untestable ?? [],
    ...(extra.ok === false ? { error: { code: 'TIMEOUT', message: 'no answer' } } : {}),
  });
}

const MODERN = {
  'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
  'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
};

describe('postureDrift', () => {
  it('reports no drift when nothing changed, even in a different order', () => {
    // Prepare
    const before = posture(MODERN);
    const after = posture({ 'TLSv1.3': [...MODERN['TLSv1.3']].reverse(), 'TLSv1.2': MODERN['TLSv1.2'] });

    // Act
    const drift = postureDrift(before, after, parsePolicy('min-version=TLS1.2'));

    // Assess
    expect(drift).toEqual({
      changed: false,
      added: [],
      removed: [],
      versionsAdded: [],
      versionsRemoved: [],
      policyStartedFailing: [],
      policyRecovered: [],
    });
  });

  it('gives the exact diff when suites and versions come and go', () => {
    // Prepare
    const before = posture(MODERN);
    const after = posture({
      'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
      TLSv1: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
    });

    // Act
    const drift = postureDrift(before, after);

    // Assess
    expect(drift.changed).toBe(true);
    expect(drift.versionsAdded).toEqual(['TLSv1']);
    expect(drift.versionsRemoved).toEqual(['TLSv1.3']);
    expect(drift.added).toEqual([
      { version: 'TLSv1.2', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
      { version: 'TLSv1', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
    ]);
    expect(drift.removed).toEqual([
      { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' },
      { version: 'TLSv1.3', suite: 'TLS_AES_256_GCM_SHA384' },
      { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' },
    ]);
  });

  it('names the rules that start failing and those that recover, not those failing all along', () => {
    // Prepare: no-cbc fails on both sides (MODERN keeps a CBC suite)
    const rules = parsePolicy('min-version=TLS1.2,no-3des,no-cbc');
    const before = posture(MODERN);
    const after = posture({
      'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      TLSv1: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
    });

    // Act
    const worse = postureDrift(before, after, rules);
    const better = postureDrift(after, before, rules);

    // Assess
    expect(worse.policyStartedFailing.map((v) => v.rule)).toEqual(['min-version=TLS1.2', 'no-3des']);
    expect(worse.policyRecovered).toEqual([]);
    expect(better.policyStartedFailing).toEqual([]);
    expect(better.policyRecovered.map((v) => v.rule)).toEqual(['min-version=TLS1.2', 'no-3des']);
  });

  it.each([
    ['the current enumeration is incomplete', posture(MODERN), posture({}, { ok: false }), 'current-incomplete'],
    ['the previous enumeration is incomplete', posture({}, { ok: false }), posture(MODERN), 'previous-incomplete'],
    [
      'the postures belong to different addresses',
      posture({}),
      posture(MODERN, { address: '192.0.2.2' }),
      'different-endpoint',
    ],
  ])('never counts a change when %s', (_why, before, after, skipped) => {
    // Act
    const drift = postureDrift(before, after, parsePolicy('min-version=TLS1.3'));

    // Assess
    expect(drift.changed).toBe(false);
    expect(drift.skipped).toBe(skipped);
    expect(drift.added).toEqual([]);
    expect(drift.removed).toEqual([]);
    expect(drift.policyStartedFailing).toEqual([]);
  });

  it('on the first look reports no change but the rules already failing', () => {
    // Act
    const drift = postureDrift(undefined, posture(MODERN), parsePolicy('no-cbc,no-3des'));

    // Assess
    expect(drift.changed).toBe(false);
    expect(drift.skipped).toBe('no-previous');
    expect(drift.policyStartedFailing.map((v) => v.rule)).toEqual(['no-cbc']);
  });

  it('leaves suites untestable on either side out of the diff', () => {
    // Prepare
    const suite = 'TLS_RSA_WITH_3DES_EDE_CBC_SHA';
    const before = posture(MODERN, { untestable: [{ version: 'TLSv1.2', suite, reason: 'removed algorithm' }] });
    const after = posture({ ...MODERN, 'TLSv1.2': [...MODERN['TLSv1.2'], suite] });

    // Act
    const drift = postureDrift(before, after);

    // Assess
    expect(drift.changed).toBe(false);
    expect(drift.added).toEqual([]);
  });
});
