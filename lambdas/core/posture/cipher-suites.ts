/**
 * The one place that maps cipher suites between IANA names, OpenSSL names and codepoints, and says
 * what each suite is made of. Data comes from the committed `cipher-suite-table.ts` (Lambda has no
 * openssl binary); everything else in certwatch speaks IANA names.
 */
import { CIPHER_SUITE_ROWS } from './cipher-suite-table';
import type { TlsVersion } from './posture';

/** Key exchange, by the usual name (`TLS1.3` = negotiated separately, always ephemeral). */
export type KeyExchange = 'TLS1.3' | 'ECDHE' | 'DHE' | 'RSA';

/** Server authentication (`any` = TLS 1.3, where the certificate decides). */
export type Authentication = 'any' | 'RSA' | 'ECDSA' | 'DSS' | 'anonymous';

/** One cipher suite and its properties. */
export interface CipherSuite {
  /** IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. */
  iana: string;
  /** OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256` (for removed suites, OpenSSL 1.1.1's name). */
  openssl: string;
  /** Two-byte codepoint, e.g. `0xc02f`. */
  code: number;
  /** Versions at which the suite may be negotiated. */
  versions: readonly TlsVersion[];
  keyExchange: KeyExchange;
  authentication: Authentication;
  /** Bulk cipher as OpenSSL prints it, e.g. `AESGCM(128)`, `3DES(168)`. */
  encryption: string;
  /** MAC as OpenSSL prints it (`AEAD` for AEAD ciphers). */
  mac: string;
  /** `legacy` = not implemented by OpenSSL 3 (tested with a hand-built ClientHello). */
  source: 'openssl' | 'legacy';
  tripleDes: boolean;
  rc4: boolean;
  /** A block cipher in CBC mode (MAC-then-encrypt): every non-AEAD, non-stream suite. */
  cbc: boolean;
  aead: boolean;
  /** No encryption at all (NULL suites: integrity only, the traffic travels in clear). */
  nullEncryption: boolean;
  forwardSecrecy: boolean;
  /** No server authentication at all (DH_anon, ECDH_anon). */
  anonymous: boolean;
}

const TLS_1_0_TO_1_2: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1'];

function versionsFrom(min: string): readonly TlsVersion[] {
  if (min === 'TLSv1.3') return ['TLSv1.3'];
  if (min === 'TLSv1.2') return ['TLSv1.2'];
  // OpenSSL says "SSLv3" or "TLSv1" for suites defined before TLS 1.2: usable from TLS 1.0 to 1.2.
  return TLS_1_0_TO_1_2;
}

function keyExchangeFrom(kx: string): KeyExchange {
  if (kx === 'any') return 'TLS1.3';
  if (kx === 'ECDH') return 'ECDHE';
  if (kx === 'DH') return 'DHE';
  return 'RSA';
}

function authenticationFrom(au: string): Authentication {
  if (au === 'None') return 'anonymous';
  return au as Authentication;
}

/** Every suite certwatch knows, in offering order (strongest first, legacy suites last). */
export const CIPHER_SUITES: readonly CipherSuite[] = CIPHER_SUITE_ROWS.map(
  ([code, iana, openssl, min, kx, au, enc, mac, source]) => {
    const aead = mac === 'AEAD';
    const rc4 = enc.startsWith('RC4');
    const keyExchange = keyExchangeFrom(kx);
    return {
      iana,
      openssl,
      code,
      versions: versionsFrom(min),
      keyExchange,
      authentication: authenticationFrom(au),
      encryption: enc,
      mac,
      source,
      tripleDes: enc.startsWith('3DES'),
      rc4,
      cbc: !aead && !rc4 && enc !== 'None',
      aead,
      nullEncryption: enc === 'None',
      forwardSecrecy: keyExchange !== 'RSA',
      anonymous: au === 'None',
    };
  },
);

const BY_IANA = new Map(CIPHER_SUITES.map((s) => [s.iana, s]));
const BY_OPENSSL = new Map(CIPHER_SUITES.map((s) => [s.openssl, s]));
const BY_CODE = new Map(CIPHER_SUITES.map((s) => [s.code, s]));

/** The suite with this IANA name, if known. */
export function suiteByIana(iana: string): CipherSuite | undefined {
  return BY_IANA.get(iana);
}

/** The suite with this OpenSSL name, if known. */
export function suiteByOpenssl(openssl: string): CipherSuite | undefined {
  return BY_OPENSSL.get(openssl);
}

/** The suite with this codepoint, if known. */
export function suiteByCode(code: number): CipherSuite | undefined {
  return BY_CODE.get(code);
}

/** IANA name → OpenSSL name. */
export function ianaToOpenssl(iana: string): string | undefined {
  return BY_IANA.get(iana)?.openssl;
}

/** OpenSSL name → IANA name. */
export function opensslToIana(openssl: string): string | undefined {
  return BY_OPENSSL.get(openssl)?.iana;
}

/** Suites that may be negotiated at a version, in offering order. */
export function suitesForVersion(version: TlsVersion): CipherSuite[] {
  return CIPHER_SUITES.filter((s) => s.versions.includes(version));
}

/** `0xc02f` → `0xC0,0x2F`, the form `openssl ciphers -V` prints. */
export function formatCode(code: number): string {
  const hex = (byte: number) => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return `${hex(code >> 8)},${hex(code & 0xff)}`;
}
