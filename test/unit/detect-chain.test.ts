import { classifyRotation } from '../../lambdas/core/detect';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import { cert, day, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';

describe('chain and hostname detection', () => {
  it('raises CHAIN_INVALID once per leaf and error code', () => {
    // Prepare
    const watcher = new Watcher();
    const leaf = cert('leaf');

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE])]);
    watcher.cycle(day(1), [obs(A, [leaf], { trusted: false, invalidCode: 'MISSING_INTERMEDIATE' })]);
    watcher.cycle(day(2), [obs(A, [leaf], { trusted: false, invalidCode: 'MISSING_INTERMEDIATE' })]);
    watcher.cycle(day(3), [obs(A, [leaf, INTERMEDIATE], { trusted: false, invalidCode: 'UNTRUSTED_ROOT' })]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'CHAIN_INVALID', 'CHAIN_INVALID']);
    const codes = watcher.log
      .flat()
      .flatMap((n) => (n.type === 'CHAIN_INVALID' ? [(n.facts as NoticeFactsMap['CHAIN_INVALID']).error.code] : []));
    expect(codes).toEqual(['MISSING_INTERMEDIATE', 'UNTRUSTED_ROOT']);
    expect(watcher.log[1][0].severity).toBe('critical');
  });

  it('leaves an expired leaf to EXPIRED rather than CHAIN_INVALID', () => {
    // Prepare
    const watcher = new Watcher();
    const leaf = cert('gone', { from: -90, to: -1 });

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE], { trusted: false, invalidCode: 'EXPIRED' })]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'EXPIRED']);
  });

  it('raises HOSTNAME_MISMATCH once for a leaf that does not name the host', () => {
    // Prepare
    const watcher = new Watcher();
    const leaf = cert('wrong.example');

    // Act
    watcher.cycle(day(0), [obs(A, [leaf, INTERMEDIATE], { hostnameMatch: false })]);
    watcher.cycle(day(1), [obs(A, [leaf, INTERMEDIATE], { hostnameMatch: false })]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'HOSTNAME_MISMATCH']);
    expect(watcher.log[0][1].facts).toMatchObject({ expectedName: 'mx.test.example', addresses: [A] });
  });
});

describe('rotation classification', () => {
  const base = cert('old', { key: 'k1', keyAlgorithm: 'RSA 2048' });

  function rotate(next: ReturnType<typeof cert>, chain: ReturnType<typeof cert>[], anchorSha256?: string) {
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, [base, INTERMEDIATE], { keyType: 'rsa' })]);
    return watcher.cycle(day(1), [obs(A, [next, ...chain], { keyType: 'rsa', anchorSha256 })]);
  }

  it('classifies a renewal on the same key and issuer as same-key renewal without ISSUER_CHANGED', () => {
    // Act
    const notices = rotate(cert('renewed', { key: 'k1', keyAlgorithm: 'RSA 2048' }), [INTERMEDIATE]);

    // Assess
    expect(notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    expect((notices[0].facts as NoticeFactsMap['NEW_CERTIFICATE']).rotation).toEqual({
      classification: 'same-key-renewal',
      sameKey: true,
      sameKeyAlgorithm: true,
      sameIssuer: true,
      sameAnchor: true,
    });
    expect(notices[0].text).toContain('same-key renewal');
  });

  it('classifies a new key from the same issuer as re-key', () => {
    // Act
    const notices = rotate(cert('rekeyed', { key: 'k2', keyAlgorithm: 'RSA 2048' }), [INTERMEDIATE]);

    // Assess
    expect(notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE']);
    expect((notices[0].facts as NoticeFactsMap['NEW_CERTIFICATE']).rotation?.classification).toBe('re-key');
  });

  it('raises ISSUER_CHANGED classified as issuer change when the new leaf chains to another intermediate', () => {
    // Prepare
    const other = cert('WR3', { from: -100, to: 3000, issuer: 'CN=Test Root' });

    // Act
    const notices = rotate(cert('moved', { key: 'k2', keyAlgorithm: 'RSA 2048', issuer: 'CN=WR3' }), [other]);

    // Assess
    expect(notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE', 'ISSUER_CHANGED']);
    const facts = notices[1].facts as NoticeFactsMap['ISSUER_CHANGED'];
    expect(facts).toMatchObject({
      previousIssuer: 'CN=Test Intermediate, O=certwatch tests',
      issuer: 'CN=WR3',
      previousIntermediate: INTERMEDIATE.sha256,
      intermediate: other.sha256,
    });
    expect(facts.rotation.classification).toBe('issuer-change');
    expect(notices[1].subject).toBe(
      'certwatch warning: rsa issuer changed on mx.test.example:25: Test Intermediate -> WR3',
    );
  });

  it('raises ISSUER_CHANGED when only the trust anchor changes', () => {
    // Act
    const notices = rotate(
      cert('reanchored', { key: 'k1', keyAlgorithm: 'RSA 2048' }),
      [INTERMEDIATE],
      'ff'.repeat(32),
    );

    // Assess
    expect(notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE', 'ISSUER_CHANGED']);
    expect((notices[1].facts as NoticeFactsMap['ISSUER_CHANGED']).rotation).toMatchObject({
      classification: 'issuer-change',
      sameIssuer: true,
      sameAnchor: false,
    });
  });

  it('classifies a change of key algorithm as key-type change', () => {
    // Act
    const notices = rotate(cert('bigger', { key: 'k3', keyAlgorithm: 'RSA 4096' }), [INTERMEDIATE]);

    // Assess
    expect((notices[0].facts as NoticeFactsMap['NEW_CERTIFICATE']).rotation?.classification).toBe('key-type-change');
  });

  it('treats an unknown anchor as no evidence of an anchor change', () => {
    // Act
    const facts = classifyRotation(
      { spkiSha256: 'a', keyAlgorithm: 'ECDSA P-256', issuer: 'CN=I', chain: ['l1', 'i'], anchorSha256: null },
      { spkiSha256: 'a', keyAlgorithm: 'ECDSA P-256', issuer: 'CN=I', chain: ['l2', 'i'], anchorSha256: 'r' },
    );

    // Assess
    expect(facts).toEqual({
      classification: 'same-key-renewal',
      sameKey: true,
      sameKeyAlgorithm: true,
      sameIssuer: true,
      sameAnchor: null,
    });
  });
});
