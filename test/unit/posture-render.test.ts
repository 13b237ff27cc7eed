import { renderPostureSummary, renderPostureTable } from '../../lambdas/cli/posture-command';
import { emptyVersions, type Posture } from '../../lambdas/core/posture/posture';

function posture(address: string, overrides: Partial<Posture> = {}): Posture {
  const versions = emptyVersions();
  versions['TLSv1.3'] = { accepted: true, suites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] };
  versions['TLSv1.2'] = { accepted: true, suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] };
  return {
    target: 'smtp://mx.example.com:25',
    host: 'mx.example.com',
    port: 25,
    address,
    ok: true,
    versions,
    untestable: [],
    baseline: {
      published: '2023-03',
      missingOnServer: [{ version: 'TLSv1', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' }],
      extraOnServer: [],
    },
    ...overrides,
  };
}

describe('posture output', () => {
  it('collapses addresses that answered identically into one summary block', () => {
    // Act
    const text = renderPostureSummary([posture('127.0.0.2'), posture('127.0.0.3')]);

    // Assess
    expect(text).toContain('smtp://mx.example.com:25  127.0.0.2, 127.0.0.3 (identical)  complete');
    expect(text).toMatch(/^ {2}versions: TLSv1\.3, TLSv1\.2 \(refused: TLSv1\.1, TLSv1\)$/m);
    expect(text).toMatch(
      /^ {2}suites: 3 accepted; against Google's list: 1 missing, 0 extra \(--verbose lists them\)$/m,
    );
    expect(text.match(/versions:/g)).toHaveLength(1);
  });

  it('keeps addresses apart when they differ', () => {
    // Prepare
    const other = posture('127.0.0.3');
    other.versions['TLSv1.2'] = { accepted: false, suites: [] };

    // Act
    const text = renderPostureSummary([posture('127.0.0.2'), other]);

    // Assess
    expect(text.match(/versions:/g)).toHaveLength(2);
  });

  it.each([
    ['summary', renderPostureSummary],
    ['verbose table', renderPostureTable],
  ])('shows only the failure of a server that offered no STARTTLS (%s)', (_view, render) => {
    // Prepare
    const failed = posture('127.0.0.2', {
      ok: false,
      versions: emptyVersions(),
      error: { code: 'STARTTLS_NOT_OFFERED', message: 'the server does not offer STARTTLS' },
    });

    // Act
    const text = render([failed]);

    // Assess
    expect(text).toContain('INCOMPLETE STARTTLS_NOT_OFFERED: the server does not offer STARTTLS');
    expect(text).not.toMatch(/MISSING|TLS_RSA_WITH_3DES|versions:|SUITE/);
  });
});
