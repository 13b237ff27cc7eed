/**
 * Precertificates and certificates as a CA issues them for Certificate Transparency, made by the openssl
 * binary (`openssl ca` with a fixed serial and dates, so the precertificate and the final certificate share
 * their TBS but for the poison and the SCT list): the precertificate carries the critical poison
 * `1.3.6.1.4.1.11129.2.4.3` (ASN.1 NULL), the final certificate an SCT list `1.3.6.1.4.1.11129.2.4.2` in
 * the same place. The CA is any CA of demo/support/pki.ts (its PEM certificate and PKCS #8 key). Tests
 * import it from test/support/ct-certs.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA that issues through openssl. Close it to remove its directory. */
export interface CtCa {
  dir: string;
  certPem: string;
  certDer: Buffer;
  /** SHA-256 of the CA's SubjectPublicKeyInfo: a precertificate entry's issuer_key_hash. */
  keyHash: Buffer;
  close(): void;
}

/** What one certificate (and its precertificate) is issued for. */
export interface CtIssue {
  /** dNSNames; the first is also the CN. */
  names: string[];
  /** Hex serial, shared by the precertificate and the final certificate. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** The leaf's private key (PEM); a fresh P-256 key when absent. */
  keyPem?: string;
  /** More extension lines of the openssl config section (`name = value`), e.g. certificatePolicies. */
  extensions?: string[];
}

/** An issued pair's leaf key. */
export interface CtLeafKey {
  keyPem: string;
  /** Base64 SHA-256 of the leaf's SPKI (the pin). */
  spkiSha256: string;
}

function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** Opens a CA directory for `openssl ca` from a test CA's certificate and key. */
export function openCtCa(ca: { certPem: string; keyPem: string }): CtCa {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-ct-ca-'));
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  const x509 = new X509Certificate(ca.certPem);
  const spki = createPublicKey(ca.certPem).export({ type: 'spki', format: 'der' });
  return {
    dir,
    certPem: ca.certPem,
    certDer: Buffer.from(x509.raw),
    keyHash: createHash('sha256').update(spki).digest(),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh leaf key: P-256 by default, or RSA 2048. */
export function leafKey(keyPem?: string, type: 'ecdsa' | 'rsa' = 'ecdsa'): CtLeafKey {
  const args =
    type === 'rsa'
      ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const pem = keyPem ?? execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return { keyPem: pem, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}

function config(issue: CtIssue, last: string): string {
  return [
    '[ ca ]',
    'default_ca = ca_default',
    '[ ca_default ]',
    'database = index.txt',
    'new_certs_dir = .',
    'serial = serial',
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    'copy_extensions = none',
    'email_in_dn = no',
    '[ policy_any ]',
    'commonName = supplied',
    '[ leaf ]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `subjectAltName = ${issue.names.map((n) => `DNS:${n}`).join(',')}`,
    ...(issue.extensions ?? []),
    last,
    '',
  ].join('\n');
}

function sign(ca: CtCa, issue: CtIssue, key: CtLeafKey, last: string): Buffer {
  const work = mkdtempSync(join(ca.dir, 'issue-'));
  try {
    writeFileSync(join(work, 'leaf.key'), key.keyPem, { mode: 0o600 });
    writeFileSync(join(work, 'index.txt'), '');
    // openssl reads the serial file as hex octets: an even number of digits.
    writeFileSync(join(work, 'serial'), `${issue.serial.length % 2 === 1 ? `0${issue.serial}` : issue.serial}\n`);
    writeFileSync(join(work, 'ca.cnf'), config(issue, last));
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    run(['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${issue.names[0]}`, '-out', 'leaf.csr']);
    run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-extensions',
      'leaf',
      '-in',
      'leaf.csr',
      '-out',
      'leaf.pem',
      '-notext',
      '-startdate',
      asn1Time(issue.notBefore),
      '-enddate',
      asn1Time(issue.notAfter),
      '-cert',
      join(ca.dir, 'ca.pem'),
      '-keyfile',
      join(ca.dir, 'ca.key'),
    ]);
    return Buffer.from(new X509Certificate(readFileSync(join(work, 'leaf.pem'))).raw);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The precertificate: the leaf with the critical poison extension last. */
export function issuePrecert(ca: CtCa, issue: CtIssue, key: CtLeafKey): Buffer {
  return sign(ca, issue, key, '1.3.6.1.4.1.11129.2.4.3 = critical,ASN1:NULL');
}

/** The final certificate: the same TBS with the SCT list (TLS-encoded) where the poison was. */
export function issueFinal(ca: CtCa, issue: CtIssue, key: CtLeafKey, sctList: Buffer): Buffer {
  return sign(ca, issue, key, `1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:${sctList.toString('hex')}`);
}
