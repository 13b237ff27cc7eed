/**
 * The independent oracle: what `openssl s_client -showcerts` sees, and fingerprints/pins computed by
 * the openssl binary. Tests compare certwatch's results with these, never with certwatch's own code.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/** Signature algorithms that leave a dual-certificate server only its RSA certificate to use (TLS 1.2 and 1.3). */
export const RSA_SIGALGS =
  'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512';
/** Signature algorithms that leave a dual-certificate server only its ECDSA certificate to use. */
export const ECDSA_SIGALGS = 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512';

/** One `s_client` run. */
export interface OpensslShowCertsOptions {
  address: string;
  port: number;
  mode: 'starttls' | 'implicit';
  /** SNI (`-servername`). Without it openssl sends none for an IP address. */
  servername?: string;
  /** Ask a dual-certificate server for this key type (sigalgs for TLS 1.3, `aRSA`/`aECDSA` suites below). */
  keyType?: 'rsa' | 'ecdsa';
  /**
   * `-cipher` (TLS ≤ 1.2 suites). Defaults to `aRSA`/`aECDSA` with `keyType`. Legacy protocols need
   * `@SECLEVEL=0` here, e.g. `aRSA:@SECLEVEL=0` or `DEFAULT:@SECLEVEL=0`.
   */
  cipher?: string;
  /** More `s_client` arguments, placed last (e.g. `['-tls1_1']`, `['-tls1_2']`). */
  extraArgs?: string[];
  /** Kill openssl after this long. Default 10 s. */
  timeoutMs?: number;
}

/** What openssl saw. */
export interface OpensslShowCertsResult {
  /** Certificates exactly as presented and printed by `-showcerts`, in order (leaf first). */
  chainDer: Buffer[];
  /** SHA-256 of each DER, lowercase hex, same order. */
  sha256: string[];
  /** Negotiated protocol, e.g. `TLSv1.3`, `TLSv1.2`. */
  protocol: string;
  /** Negotiated suite by IANA name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), or OpenSSL's name if unknown. */
  cipher: string;
  /** Negotiated suite by OpenSSL's name (`ECDHE-RSA-AES128-GCM-SHA256`). */
  cipherOpenssl: string;
  /** The whole stdout and stderr of `s_client`, for assertions and failure messages. */
  raw: string;
  /** The command line run, for failure messages. */
  command: string;
}

/** `s_client` failed (handshake refused, no certificate, timeout); `raw` holds its output. */
export class OpensslError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly timedOut: boolean,
    readonly raw: string,
  ) {
    super(message);
    this.name = 'OpensslError';
  }
}

let ianaNames: Map<string, string> | undefined;

/** OpenSSL suite name → IANA name, from `openssl ciphers -stdname` (read once per process). */
export function ianaCipherName(opensslName: string): string | undefined {
  if (ianaNames === undefined) {
    const listing = execFileSync('openssl', ['ciphers', '-stdname', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], {
      encoding: 'utf8',
    });
    ianaNames = new Map();
    for (const line of listing.split('\n')) {
      const match = /^(\S+)\s+-\s+(\S+)/.exec(line);
      if (match) ianaNames.set(match[2], match[1]);
    }
  }
  return ianaNames.get(opensslName);
}

function pemBlocks(text: string): Buffer[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'));
}

/** Parses `s_client -showcerts` output. Exported for tests of the parser itself. */
export function parseShowCerts(raw: string): Omit<OpensslShowCertsResult, 'raw' | 'command'> {
  // Only the "Certificate chain" section: nothing else in the output is the presented chain.
  const section = /^Certificate chain\n([\s\S]*?)^---$/m.exec(raw);
  const chainDer = section ? pemBlocks(section[1]) : [];
  // TLS 1.2 and older print an SSL-Session block; TLS 1.3 sessions arrive after stdin closed, so only
  // the "New, …" line is there, and for TLS 1.3 suites its version is the negotiated one.
  const sessionProtocol = /^\s+Protocol\s*:\s*(\S+)/m.exec(raw)?.[1];
  const newLine = /^New, (\S+), Cipher is (\S+)/m.exec(raw);
  const cipherOpenssl = /^\s+Cipher\s*:\s*(\S+)/m.exec(raw)?.[1] ?? newLine?.[2] ?? '';
  return {
    chainDer,
    sha256: chainDer.map((der) => createHash('sha256').update(der).digest('hex')),
    protocol: sessionProtocol ?? newLine?.[1] ?? '',
    cipher: ianaCipherName(cipherOpenssl) ?? cipherOpenssl,
    cipherOpenssl,
  };
}

/**
 * Runs `openssl s_client -connect ADDR:PORT [-starttls smtp] -showcerts … </dev/null` and returns the
 * presented chain. Rejects with {@link OpensslError} when openssl fails, times out, or sees no chain.
 */
export function opensslShowCerts(options: OpensslShowCertsOptions): Promise<OpensslShowCertsResult> {
  const host = isIPv6(options.address) ? `[${options.address}]` : options.address;
  const args = ['s_client', '-connect', `${host}:${options.port}`, '-showcerts'];
  if (options.mode === 'starttls') args.push('-starttls', 'smtp');
  if (options.servername !== undefined) args.push('-servername', options.servername);
  if (options.keyType !== undefined) args.push('-sigalgs', options.keyType === 'rsa' ? RSA_SIGALGS : ECDSA_SIGALGS);
  const cipher = options.cipher ?? (options.keyType ? (options.keyType === 'rsa' ? 'aRSA' : 'aECDSA') : undefined);
  if (cipher !== undefined) args.push('-cipher', cipher);
  args.push(...(options.extraArgs ?? []));
  const command = `openssl ${args.join(' ')}`;
  const timeoutMs = options.timeoutMs ?? 10_000;

  return new Promise((resolve, reject) => {
    // stdin 'ignore' is /dev/null: s_client ends the session as soon as the handshake is done.
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let raw = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      raw += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      raw += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new OpensslError(`${command}: ${error.message}`, null, false, raw));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new OpensslError(`${command}: no result within ${timeoutMs} ms\n${raw}`, code, true, raw));
        return;
      }
      const parsed = parseShowCerts(raw);
      if (code !== 0 || parsed.chainDer.length === 0) {
        reject(
          new OpensslError(
            `${command}: exit ${code}, ${parsed.chainDer.length} certificates\n${raw}`,
            code,
            false,
            raw,
          ),
        );
        return;
      }
      resolve({ ...parsed, raw, command });
    });
  });
}

function isPem(input: string | Buffer): boolean {
  return (typeof input === 'string' ? input : input.subarray(0, 64).toString('latin1')).includes('-----BEGIN');
}

function x509Args(input: string | Buffer): string[] {
  return isPem(input) ? [] : ['-inform', 'DER'];
}

/** SHA-256 fingerprint of a certificate (the first, for a PEM bundle) by `openssl x509`, lowercase hex. */
export function opensslFingerprint(pemOrDer: string | Buffer): string {
  const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', ...x509Args(pemOrDer)], {
    input: pemOrDer,
    encoding: 'utf8',
  });
  const match = /Fingerprint=([0-9A-F:]+)/i.exec(out);
  if (!match) throw new Error(`unexpected openssl x509 output: ${out}`);
  return match[1].replace(/:/g, '').toLowerCase();
}

/** SPKI pin of a certificate: base64 SHA-256 of its DER SubjectPublicKeyInfo, all computed by openssl. */
export function opensslSpkiPin(pemOrDer: string | Buffer): string {
  const publicKeyPem = execFileSync('openssl', ['x509', '-noout', '-pubkey', ...x509Args(pemOrDer)], {
    input: pemOrDer,
  });
  const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: publicKeyPem });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: spkiDer }).toString('base64');
}
