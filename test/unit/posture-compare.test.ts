import {
  compareWithBaseline,
  GOOGLE_TLS_BASELINE,
  parseBaseline,
  type TlsBaseline,
} from '../../lambdas/core/posture/compare';
import { PostureError } from '../../lambdas/core/posture/errors';
import { emptyVersions, type TlsVersion } from '../../lambdas/core/posture/posture';

function versionsWith(accepted: Partial<Record<TlsVersion, string[]>>) {
  const versions = emptyVersions();
  for (const [version, suites] of Object.entries(accepted) as [TlsVersion, string[]][]) {
    versions[version] = { accepted: suites.length > 0, suites };
  }
  return versions;
}

const SMALL: TlsBaseline = {
  name: 'test',
  published: '2024-01',
  source: 'test',
  sslv3Allowed: false,
  versions: {
    'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
    'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
    'TLSv1.1': [],
    TLSv1: [],
  },
};

describe('the shipped Google baseline', () => {
  it('holds the March 2023 list: 3 suites for TLS 1.3, 13 for 1.2, 7 each for 1.1 and 1.0, no SSLv3', () => {
    // Act
    const { versions, published, sslv3Allowed, source } = GOOGLE_TLS_BASELINE;

    // Assess
    expect(published).toBe('2023-03');
    expect(sslv3Allowed).toBe(false);
    expect(source).toContain('support.google.com/a/answer/9795993');
    expect(
      [versions['TLSv1.3'], versions['TLSv1.2'], versions['TLSv1.1'], versions.TLSv1].map((l) => l.length),
    ).toEqual([3, 13, 7, 7]);
    expect(versions['TLSv1.1']).toEqual(versions.TLSv1);
    for (const version of ['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const) {
      expect(versions[version]).toContain('TLS_RSA_WITH_3DES_EDE_CBC_SHA');
    }
  });
});

describe('parseBaseline', () => {
  it.each([
    ['an unknown suite name', { 'TLSv1.2': ['TLS_MADE_UP'] }, /TLS_MADE_UP.*not a known IANA suite/],
    ['a suite at a version it cannot use', { TLSv1: ['TLS_AES_128_GCM_SHA256'] }, /cannot be negotiated at TLSv1/],
    ['an OpenSSL name instead of an IANA name', { 'TLSv1.2': ['AES128-SHA'] }, /AES128-SHA/],
  ])('rejects %s', (_what, versions, message) => {
    // Prepare
    const doc = { ...SMALL, versions: { ...SMALL.versions, ...versions } };

    // Act
    const parse = () => parseBaseline(doc);

    // Assess
    expect(parse).toThrow(PostureError);
    expect(parse).toThrow(message);
  });

  it('rejects a document missing a version', () => {
    // Prepare
    const { TLSv1: _dropped, ...rest } = SMALL.versions;

    // Act
    const parse = () => parseBaseline({ ...SMALL, versions: rest });

    // Assess
    expect(parse).toThrow(/versions.TLSv1"/);
  });
});

describe('compareWithBaseline', () => {
  it('lists published suites not accepted and accepted suites not published, per version', () => {
    // Prepare
    const versions = versionsWith({
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
      'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      TLSv1: ['TLS_RSA_WITH_AES_128_CBC_SHA'],
    });

    // Act
    const diff = compareWithBaseline(versions, [], SMALL);

    // Assess
    expect(diff).toEqual({
      published: '2024-01',
      missingOnServer: [{ version: 'TLSv1.2', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' }],
      extraOnServer: [
        { version: 'TLSv1.3', suite: 'TLS_AES_256_GCM_SHA384' },
        { version: 'TLSv1', suite: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
      ],
    });
  });

  it('does not call a published suite missing when it could not be tested', () => {
    // Prepare
    const versions = versionsWith({
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
      'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    });
    const untestable = [{ version: 'TLSv1.2' as const, suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', reason: 'removed' }];

    // Act
    const diff = compareWithBaseline(versions, untestable, SMALL);

    // Assess
    expect(diff.missingOnServer).toEqual([]);
    expect(diff.extraOnServer).toEqual([]);
  });

  it('calls every published suite of a refused version missing', () => {
    // Act
    const diff = compareWithBaseline(emptyVersions(), [], GOOGLE_TLS_BASELINE);

    // Assess
    expect(diff.missingOnServer).toHaveLength(3 + 13 + 7 + 7);
    expect(diff.extraOnServer).toEqual([]);
  });
});
