/**
 * The suite table against the openssl CLI as the oracle: names both ways, codepoints, versions and
 * properties, and the legacy suites really are missing from this OpenSSL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  CIPHER_SUITES,
  formatCode,
  ianaToOpenssl,
  opensslToIana,
  suiteByCode,
  suiteByIana,
  suitesForVersion,
} from '../../lambdas/core/posture/cipher-suites';
import type { TlsVersion } from '../../lambdas/core/posture/posture';

const TLS13 =
  'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256';

/** `openssl ciphers -V -stdname -s …` as [codepoint, IANA, OpenSSL] rows. */
function opensslList(...args: string[]): { code: string; iana: string; openssl: string }[] {
  const out = execFileSync('openssl', ['ciphers', '-V', '-stdname', '-s', '-ciphersuites', TLS13, ...args], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((line) => /^\s*(0x\S+)\s+-\s+(\S+)\s+-\s+(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ code: m[1], iana: m[2], openssl: m[3] }));
}

/** Every suite this OpenSSL implements: ALL leaves out the NULL-encryption ones. */
const EVERY_SUITE = 'ALL:COMPLEMENTOFALL:@SECLEVEL=0';

const fromOpenssl = CIPHER_SUITES.filter((s) => s.source === 'openssl');

describe('cipher suite table against openssl ciphers -stdname', () => {
  it('holds exactly the suites of ALL:COMPLEMENTOFALL:@SECLEVEL=0 (NULL ones too) plus the five TLS 1.3 suites', () => {
    // Prepare
    const oracle = opensslList(EVERY_SUITE);

    // Act
    const names = fromOpenssl.map((s) => s.iana).sort();

    // Assess
    expect(names).toEqual(oracle.map((o) => o.iana).sort());
  });

  it('maps every IANA name to the OpenSSL name and back, with the codepoint openssl prints', () => {
    // Prepare
    const oracle = opensslList(EVERY_SUITE);

    // Act
    const mapped = oracle.map((o) => ({
      code: formatCode(suiteByIana(o.iana)?.code ?? -1),
      iana: opensslToIana(o.openssl),
      openssl: ianaToOpenssl(o.iana),
    }));

    // Assess
    expect(mapped).toEqual(oracle);
    for (const o of oracle) expect(suiteByCode(suiteByIana(o.iana)?.code ?? -1)?.iana).toBe(o.iana);
  });

  it.each([
    ['TLSv1', '-tls1'],
    ['TLSv1.1', '-tls1_1'],
    ['TLSv1.2', '-tls1_2'],
    ['TLSv1.3', '-tls1_3'],
  ] as const)('lists for %s exactly the suites openssl allows at that version', (version: TlsVersion, flag) => {
    // Prepare
    const oracle = opensslList(flag, EVERY_SUITE).map((o) => o.iana);

    // Act
    const ours = suitesForVersion(version)
      .filter((s) => s.source === 'openssl')
      .map((s) => s.iana);

    // Assess
    expect(ours.sort()).toEqual(oracle.sort());
  });

  it.each([
    ['forward secrecy', 'kRSA:@SECLEVEL=0', (iana: string) => !suiteByIana(iana)?.forwardSecrecy],
    ['anonymous', 'aNULL:@SECLEVEL=0', (iana: string) => suiteByIana(iana)?.anonymous === true],
    ['AEAD', 'AESGCM:AESCCM:CHACHA20:ARIAGCM:@SECLEVEL=0', (iana: string) => suiteByIana(iana)?.aead === true],
    ['NULL encryption', 'eNULL:@SECLEVEL=0', (iana: string) => suiteByIana(iana)?.nullEncryption === true],
  ])('flags %s the way an openssl cipher-string class selects it', (_name, selector, flagged) => {
    // Prepare: every suite in the class, and only those, must carry the flag
    const inClass = new Set(opensslList(selector).map((o) => o.iana));

    // Act
    const misflagged = fromOpenssl.filter(
      (s) => s.versions[0] !== 'TLSv1.3' && flagged(s.iana) !== inClass.has(s.iana),
    );

    // Assess
    expect(misflagged.map((s) => s.iana)).toEqual([]);
  });

  it('marks 3DES, RC4 and CBC suites by their bulk cipher', () => {
    // Act
    const threeDes = suiteByIana('TLS_RSA_WITH_3DES_EDE_CBC_SHA');
    const rc4 = suiteByIana('TLS_ECDHE_RSA_WITH_RC4_128_SHA');
    const gcm = suiteByIana('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    const cbc = suiteByIana('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA');

    // Assess
    expect(threeDes).toMatchObject({
      code: 0x000a,
      tripleDes: true,
      cbc: true,
      forwardSecrecy: false,
      source: 'legacy',
    });
    expect(threeDes?.versions).toEqual(['TLSv1.2', 'TLSv1.1', 'TLSv1']);
    expect(rc4).toMatchObject({ code: 0xc011, rc4: true, cbc: false, forwardSecrecy: true });
    expect(gcm).toMatchObject({ aead: true, cbc: false, tripleDes: false, versions: ['TLSv1.2'] });
    expect(cbc).toMatchObject({ cbc: true, aead: false, authentication: 'ECDSA', keyExchange: 'ECDHE' });
  });

  it('keeps as legacy only suites this OpenSSL cannot select any more', () => {
    // Prepare
    const legacy = CIPHER_SUITES.filter((s) => s.source === 'legacy');

    // Act: openssl exits non-zero ("no cipher match") for a cipher string it does not implement
    const selectable = legacy.filter(
      (s) => spawnSync('openssl', ['ciphers', `${s.openssl}:@SECLEVEL=0`], { encoding: 'utf8' }).status === 0,
    );

    // Assess
    expect(legacy.length).toBeGreaterThanOrEqual(7);
    expect(selectable.map((s) => s.openssl)).toEqual([]);
  });

  it('has one entry per IANA name, OpenSSL name and codepoint', () => {
    // Act
    const counts = [
      new Set(CIPHER_SUITES.map((s) => s.iana)).size,
      new Set(CIPHER_SUITES.map((s) => s.openssl)).size,
      new Set(CIPHER_SUITES.map((s) => s.code)).size,
    ];

    // Assess
    expect(counts).toEqual([CIPHER_SUITES.length, CIPHER_SUITES.length, CIPHER_SUITES.length]);
  });
});
