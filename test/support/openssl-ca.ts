/**
 * A real CA for revocation tests: `openssl ca` with its own database (index.txt, serial, crlnumber)
 * issues certificates naming CRL distribution points and OCSP responders, revokes them with a reason,
 * makes CRLs (`-gencrl`, with any issuingDistributionPoint and any validity) and OCSP responses
 * (`openssl ocsp -reqin … -respout …`), and runs `openssl ocsp` as a live responder on loopback.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate issued by a test CA, with its files. */
export interface CaIssued {
  name: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  der: Buffer;
  /** Serial as `openssl x509 -serial` prints it (uppercase hex). */
  serial: string;
}

/** What to put in a certificate. */
export interface CaIssueOptions {
  /** Common name; also the DNS SAN of a leaf. */
  name: string;
  sans?: string[];
  isCa?: boolean;
  /** CRL distribution point URLs (each its own point), or raw `crlDistributionPoints` config. */
  crlUrls?: string[];
  crlDistributionPoints?: string;
  /** OCSP responder URL in authorityInfoAccess. */
  ocspUrl?: string;
  /** `extendedKeyUsage` value (default serverAuth for a leaf, none for a CA). */
  extendedKeyUsage?: string;
  /** `keyUsage` value (default by role). */
  keyUsage?: string;
  notBefore?: Date;
  notAfter?: Date;
  keyType?: 'rsa' | 'ecdsa';
}

/** How to make a CRL. */
export interface CrlOptions {
  /** Validity: from `lastUpdate` (default now) for `hours` (default 24), or up to `nextUpdate`. */
  lastUpdate?: Date;
  nextUpdate?: Date;
  hours?: number;
  /** Extra lines of the CRL extension section, e.g. `issuingDistributionPoint = critical, @idp`. */
  extensions?: string[];
  /** Extra sections appended to the config (for `@idp` and the like). */
  sections?: string;
  /** `-sigopt` values, e.g. `rsa_padding_mode:pss`. */
  sigopts?: string[];
}

/** A running `openssl ocsp` responder. */
export interface OcspResponder {
  port: number;
  /** `http://127.0.0.1:PORT/path`. */
  url: string;
  close(): Promise<void>;
}

const openssl = (args: string[], cwd?: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

/** `YYYYMMDDHHMMSSZ` (openssl ca -startdate/-enddate, GeneralizedTime form). */
function caTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function keyArgs(keyType: 'rsa' | 'ecdsa'): string[] {
  return keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
}

/** A CA (root, or issued by `parent`) with its own openssl database under `dir`. */
export class OpensslCa {
  readonly dir: string;
  readonly cert: CaIssued;
  readonly #config: string;
  #count = 0;

  private constructor(dir: string, cert: CaIssued) {
    this.dir = dir;
    this.cert = cert;
    this.#config = join(dir, 'ca.cnf');
  }

  /** A new CA. A root when `parent` is absent; else an intermediate issued (and databased) by `parent`. */
  static create(dir: string, options: CaIssueOptions & { parent?: OpensslCa }): OpensslCa {
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    // Random 16-octet serials, high bit clear so the DER INTEGER needs no sign octet... half of the time.
    writeFileSync(join(dir, 'serial'), `${randomBytes(16).toString('hex').toUpperCase()}\n`);
    writeFileSync(join(dir, 'crlnumber'), '1000\n');
    let cert: CaIssued;
    if (options.parent) {
      cert = options.parent.issue({ ...options, isCa: true });
    } else {
      const keyPath = join(dir, 'ca.key');
      const certPath = join(dir, 'ca.pem');
      openssl([
        'req',
        '-x509',
        ...keyArgs(options.keyType ?? 'ecdsa'),
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-subj',
        `/O=certwatch tests/CN=${options.name}`,
        '-days',
        '3650',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        `keyUsage=critical,${options.keyUsage ?? 'keyCertSign,cRLSign'}`,
      ]);
      cert = OpensslCa.#load(options.name, certPath, keyPath);
    }
    const ca = new OpensslCa(dir, cert);
    ca.#writeConfig('');
    return ca;
  }

  static #load(name: string, certPath: string, keyPath: string): CaIssued {
    const certPem = readFileSync(certPath, 'utf8');
    const der = openssl(['x509', '-in', certPath, '-outform', 'DER']);
    const serial = openssl(['x509', '-in', certPath, '-noout', '-serial'])
      .toString()
      .trim()
      .replace(/^serial=/, '');
    return { name, certPath, keyPath, certPem, der, serial };
  }

  #writeConfig(extra: string, crlExtensions: string[] = []): string {
    const text = [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `dir = ${this.dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'serial = $dir/serial',
      'crlnumber = $dir/crlnumber',
      `certificate = ${this.cert.certPath}`,
      `private_key = ${this.cert.keyPath}`,
      'default_md = sha256',
      'default_days = 90',
      'default_crl_days = 1',
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      'crl_extensions = crl_ext',
      // The policy orders the DN: O before CN, as the roots' own subjects are written.
      '[ policy_any ]',
      'organizationName = optional',
      'commonName = supplied',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      ...crlExtensions,
      extra,
    ].join('\n');
    writeFileSync(this.#config, `${text}\n`);
    return this.#config;
  }

  /** Issues a certificate (a leaf unless `isCa`). */
  issue(options: CaIssueOptions): CaIssued {
    const id = `${++this.#count}-${options.name.replace(/[^\w.-]/g, '_')}`;
    const keyPath = join(this.dir, `${id}.key`);
    const csrPath = join(this.dir, `${id}.csr`);
    const certPath = join(this.dir, `${id}.pem`);
    const extPath = join(this.dir, `${id}.ext`);
    const subject = options.isCa ? `/O=certwatch tests/CN=${options.name}` : `/CN=${options.name}`;
    openssl([
      'req',
      '-new',
      ...keyArgs(options.keyType ?? 'ecdsa'),
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      subject,
    ]);
    const lines = ['[ ext ]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];
    if (options.isCa) {
      lines.push(
        'basicConstraints = critical, CA:TRUE',
        `keyUsage = critical, ${options.keyUsage ?? 'keyCertSign, cRLSign'}`,
      );
    } else {
      const sans = (options.sans ?? [options.name]).map((s) => `DNS:${s}`).join(', ');
      lines.push(
        'basicConstraints = critical, CA:FALSE',
        `keyUsage = critical, ${options.keyUsage ?? 'digitalSignature'}`,
      );
      if (sans) lines.push(`subjectAltName = ${sans}`);
    }
    const eku = options.extendedKeyUsage ?? (options.isCa ? undefined : 'serverAuth');
    if (eku) lines.push(`extendedKeyUsage = ${eku}`);
    if (options.crlDistributionPoints) lines.push(`crlDistributionPoints = ${options.crlDistributionPoints}`);
    else if (options.crlUrls?.length)
      lines.push(`crlDistributionPoints = ${options.crlUrls.map((u) => `URI:${u}`).join(', ')}`);
    if (options.ocspUrl) lines.push(`authorityInfoAccess = OCSP;URI:${options.ocspUrl}`);
    writeFileSync(extPath, `${lines.join('\n')}\n`);
    const dates = [
      '-startdate',
      caTime(options.notBefore ?? new Date(Date.now() - 3_600_000)),
      '-enddate',
      caTime(options.notAfter ?? new Date(Date.now() + 90 * 86_400_000)),
    ];
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      this.#config,
      '-in',
      csrPath,
      '-out',
      certPath,
      '-extfile',
      extPath,
      '-extensions',
      'ext',
      ...dates,
    ]);
    return OpensslCa.#load(options.name, certPath, keyPath);
  }

  /** Marks a certificate revoked in the database, with a reason (RFC 5280 name, openssl's spelling). */
  revoke(cert: CaIssued, reason = 'keyCompromise'): void {
    openssl(['ca', '-batch', '-config', this.#config, '-revoke', cert.certPath, '-crl_reason', reason]);
  }

  /** A DER CRL of the current database. */
  crl(options: CrlOptions = {}): Buffer {
    const config = this.#writeConfig(options.sections ?? '', options.extensions ?? []);
    const out = join(this.dir, `crl-${++this.#count}.pem`);
    const validity =
      options.lastUpdate || options.nextUpdate
        ? [
            '-crl_lastupdate',
            caTime(options.lastUpdate ?? new Date()),
            '-crl_nextupdate',
            caTime(options.nextUpdate ?? new Date(Date.now() + (options.hours ?? 24) * 3_600_000)),
          ]
        : ['-crlhours', String(options.hours ?? 24)];
    const sigopts = (options.sigopts ?? []).flatMap((o) => ['-sigopt', o]);
    openssl(['ca', '-batch', '-config', config, '-gencrl', '-out', out, ...validity, ...sigopts]);
    this.#writeConfig('');
    return openssl(['crl', '-in', out, '-outform', 'DER']);
  }

  /**
   * An OCSP response for `cert` from this CA's database, signed by `signer` (default: the CA itself),
   * valid for `days` (openssl ocsp -ndays).
   */
  ocspResponse(
    cert: CaIssued,
    options: { signer?: CaIssued; days?: number; byKey?: boolean; noCerts?: boolean } = {},
  ): Buffer {
    const id = ++this.#count;
    const request = join(this.dir, `ocsp-${id}.req`);
    const response = join(this.dir, `ocsp-${id}.resp`);
    openssl(['ocsp', '-issuer', this.cert.certPath, '-cert', cert.certPath, '-no_nonce', '-reqout', request]);
    const signer = options.signer ?? this.cert;
    openssl([
      'ocsp',
      '-index',
      join(this.dir, 'index.txt'),
      '-CA',
      this.cert.certPath,
      '-rsigner',
      signer.certPath,
      '-rkey',
      signer.keyPath,
      '-reqin',
      request,
      '-respout',
      response,
      '-ndays',
      String(options.days ?? 1),
      ...(options.byKey ? ['-resp_key_id'] : []),
      ...(options.noCerts ? ['-resp_no_certs'] : []),
    ]);
    return readFileSync(response);
  }

  /**
   * Starts `openssl ocsp` answering from this CA's database, signed by `signer` (default: the CA), on
   * `port` (default: any free one; it listens on every interface, clients use 127.0.0.1). The responder
   * notices a changed database only one request late: restart it on the same port after a revocation.
   */
  startResponder(
    options: { signer?: CaIssued; path?: string; port?: number; validityMinutes?: number } = {},
  ): Promise<OcspResponder> {
    const signer = options.signer ?? this.cert;
    const child: ChildProcess = spawn(
      'openssl',
      [
        'ocsp',
        '-index',
        join(this.dir, 'index.txt'),
        '-port',
        String(options.port ?? 0),
        '-CA',
        this.cert.certPath,
        '-rsigner',
        signer.certPath,
        '-rkey',
        signer.keyPath,
        ...(options.validityMinutes === undefined ? ['-ndays', '1'] : ['-nmin', String(options.validityMinutes)]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`openssl ocsp did not start: ${out}`));
      }, 30_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ACCEPT \S*:(\d+)/.exec(out);
        if (!match) return;
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({
          port,
          url: `http://127.0.0.1:${port}${options.path ?? ''}`,
          close: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill();
            }),
        });
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }
}
