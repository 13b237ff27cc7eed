import { PostureError } from '../../lambdas/core/posture/errors';
import { evaluatePolicy, parsePolicy } from '../../lambdas/core/posture/policy';
import { emptyVersions, type TlsVersion } from '../../lambdas/core/posture/posture';

function versionsWith(accepted: Partial<Record<TlsVersion, string[]>>) {
  const versions = emptyVersions();
  for (const [version, suites] of Object.entries(accepted) as [TlsVersion, string[]][]) {
    versions[version] = { accepted: suites.length > 0, suites };
  }
  return versions;
}

const MODERN = versionsWith({
  'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
  'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
});

const LEGACY = versionsWith({
  'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  'TLSv1.1': ['TLS_RSA_WITH_AES_128_CBC_SHA'],
  TLSv1: ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
});

describe('parsePolicy', () => {
  it("reads Google's two compliance rules in any spelling of the version", () => {
    // Act
    const spellings = ['min-version=TLS1.2,no-3des', 'MIN-VERSION=TLSv1.2, no-3des', 'min-version=tls1.2,no-3des'];
    const parsed = spellings.map((text) => parsePolicy(text));

    // Assess
    for (const rules of parsed) {
      expect(rules).toEqual([
        { kind: 'min-version', version: 'TLSv1.2', text: 'min-version=TLS1.2' },
        { kind: 'no-3des', text: 'no-3des' },
      ]);
    }
  });

  it('joins repeated --require values and drops repeated flags', () => {
    // Act
    const rules = parsePolicy(['no-cbc,forward-secrecy', 'no-cbc', 'min-version=TLS1.0', 'no-rc4,no-anonymous']);

    // Assess
    expect(rules.map((r) => r.text)).toEqual([
      'no-cbc',
      'forward-secrecy',
      'min-version=TLS1.0',
      'no-rc4',
      'no-anonymous',
    ]);
  });

  it.each([
    ['no-4des', /unknown rule "no-4des".*rules are min-version=.*no-3des/],
    ['min-version=SSL3', /min-version takes TLS1.0, TLS1.1, TLS1.2 or TLS1.3/],
    ['min-version', /min-version takes/],
    ['min-version=TLS1.2,min-version=TLS1.3', /more than once/],
    ['no-3des=yes', /no-3des takes no value/],
    ['no-3des,,no-rc4', /empty rule/],
    ['', /empty rule/],
  ])('rejects %j with a message that says what is wrong', (text, message) => {
    // Act
    const parse = () => parsePolicy(text);

    // Assess
    expect(parse).toThrow(PostureError);
    expect(parse).toThrow(message);
  });
});

describe('evaluatePolicy', () => {
  it('passes every rule on a TLS 1.2+ server with AEAD, forward-secret suites only', () => {
    // Prepare
    const rules = parsePolicy('min-version=TLS1.2,no-3des,no-rc4,no-cbc,forward-secrecy,no-anonymous');

    // Act
    const verdicts = evaluatePolicy(rules, MODERN, []);

    // Assess
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(verdicts[0]).toEqual({ rule: 'min-version=TLS1.2', ok: true, detail: 'no version below TLS1.2 accepted' });
  });

  it('fails min-version and no-3des on a server that keeps TLS 1.0/1.1 and 3DES, saying what was accepted', () => {
    // Prepare
    const rules = parsePolicy('min-version=TLS1.2,no-3des');

    // Act
    const [minVersion, no3des] = evaluatePolicy(rules, LEGACY, []);

    // Assess
    expect(minVersion).toEqual({
      rule: 'min-version=TLS1.2',
      ok: false,
      detail: 'accepted: TLSv1.1 (1 suite), TLSv1 (2 suites)',
    });
    expect(no3des.ok).toBe(false);
    expect(no3des.detail).toBe(
      'accepted: TLS_RSA_WITH_3DES_EDE_CBC_SHA at TLSv1.2, TLS_RSA_WITH_3DES_EDE_CBC_SHA at TLSv1',
    );
  });

  it('fails forward-secrecy and no-cbc for RSA key exchange and CBC suites', () => {
    // Prepare
    const rules = parsePolicy('forward-secrecy,no-cbc');

    // Act
    const verdicts = evaluatePolicy(rules, LEGACY, []);

    // Assess
    expect(verdicts.map((v) => v.ok)).toEqual([false, false]);
  });

  it('fails no-null on a server that accepts NULL-encryption suites, naming each, and passes it on MODERN', () => {
    // Prepare
    const rules = parsePolicy('no-null');
    const withNull = versionsWith({
      'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_NULL_SHA', 'TLS_ECDHE_ECDSA_WITH_NULL_SHA'],
    });

    // Act
    const [violated] = evaluatePolicy(rules, withNull, []);
    const [held] = evaluatePolicy(rules, MODERN, []);

    // Assess
    expect(violated).toEqual({
      rule: 'no-null',
      ok: false,
      detail: 'accepted: TLS_RSA_WITH_NULL_SHA at TLSv1.2, TLS_ECDHE_ECDSA_WITH_NULL_SHA at TLSv1.2',
    });
    expect(held).toEqual({ rule: 'no-null', ok: true, detail: 'no NULL-encryption (unencrypted) suite accepted' });
  });

  it('never passes a rule on a suite it could not test', () => {
    // Prepare
    const untestable = [{ version: 'TLSv1.2' as const, suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', reason: 'removed' }];

    // Act
    const [verdict] = evaluatePolicy(parsePolicy('no-3des'), MODERN, untestable);

    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(/^cannot tell: not testable here: TLS_RSA_WITH_3DES_EDE_CBC_SHA at TLSv1.2/);
  });
});
