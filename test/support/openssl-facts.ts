/**
 * openssl as the oracle of the certificate model: what `openssl x509` says about a certificate, and the
 * facts recorded for every certificate of test/fixtures/google (openssl-facts.json), so that the unit
 * test compares ~180 certificates without spawning ~180 processes on a busy machine. Regenerate after
 * adding fixtures: `npx tsx test/support/openssl-facts.ts`; the unit test also re-asks openssl about a
 * sample of them, so the record cannot silently drift from what openssl says.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pemToDerList } from '../../lambdas/core/x509/pem';

const run = promisify(execFile);
const NAMEOPT = 'esc_2253,esc_ctrl,utf8,dump_nostr,dump_der,sep_comma_plus_space,sname';

/** The Google fixture certificates. */
export const GOOGLE_FIXTURES = join(__dirname, '../fixtures/google');

/** Where the facts openssl gave for every fixture certificate are kept, by SHA-256 of the DER. */
export const RECORDED_FACTS_FILE = join(GOOGLE_FIXTURES, 'openssl-facts.json');

/** Every distinct certificate of every PEM file under the fixtures, with the file it came from. */
export function fixtureCertificates(): { file: string; der: Buffer }[] {
  const seen = new Set<string>();
  const out: { file: string; der: Buffer }[] = [];
  for (const dir of ['leaves', 'intermediates', 'roots', 'chains', 'bundles']) {
    for (const name of readdirSync(join(GOOGLE_FIXTURES, dir)).sort()) {
      for (const der of pemToDerList(readFileSync(join(GOOGLE_FIXTURES, dir, name), 'utf8'))) {
        const key = der.toString('base64');
        if (!seen.has(key)) out.push({ file: `${dir}/${name}`, der });
        seen.add(key);
      }
    }
  }
  return out;
}

/** The key of a certificate in the record: SHA-256 of its DER, by node:crypto (not the code under test). */
export function recordKey(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** The recorded facts, by {@link recordKey}. */
export function recordedFacts(): Record<string, OpensslFacts> {
  return JSON.parse(readFileSync(RECORDED_FACTS_FILE, 'utf8'));
}

/**
 * One openssl process per certificate prints every fact. The SHA-1 fingerprint and the SPKI pin are
 * digests of bytes openssl hands over (the DER given, the SubjectPublicKeyInfo it prints).
 */
const ORACLE_ARGS = [
  'x509',
  '-inform',
  'DER',
  '-noout',
  '-fingerprint',
  '-sha256',
  '-serial',
  '-startdate',
  '-enddate',
  '-subject',
  '-issuer',
  '-nameopt',
  NAMEOPT,
  '-ext',
  'subjectAltName',
  '-pubkey',
  '-text',
  '-certopt',
  'no_header,no_version,no_serial,no_validity,no_subject,no_issuer,no_extensions,no_sigdump,no_aux',
];

/** What openssl says about a certificate, in the shape of certwatch's certificate model. */
export interface OpensslFacts {
  sha256: string;
  sha1: string;
  spkiSha256: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  subject: string;
  issuer: string;
  sans: string[];
  signatureAlgorithm: string;
  keyAlgorithm: string;
}

const field = (text: string, pattern: RegExp) => text.match(pattern)?.[1]?.trim() ?? '';
const hexOf = (fingerprint: string) => fingerprint.replace(/:/g, '').toLowerCase();

/** An IP address as 8 or 4 numbers, so that openssl's expanded IPv6 compares with RFC 5952 text. */
export function ipNumbers(text: string): number[] {
  if (!text.includes(':')) return text.split('.').map(Number);
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => Number.parseInt(g, 16));
}

/** Asks openssl about one certificate (DER). */
export async function opensslFacts(der: Buffer): Promise<OpensslFacts> {
  const child = run('openssl', ORACLE_ARGS, { encoding: 'utf8' });
  child.child.stdin?.end(der);
  const { stdout } = await child;
  const spkiPem = stdout.match(/-----BEGIN PUBLIC KEY-----([^-]+)-----END PUBLIC KEY-----/)?.[1] ?? '';
  const spkiDer = Buffer.from(spkiPem.replace(/\s+/g, ''), 'base64');
  const sanLine = stdout.match(/X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/)?.[1] ?? '';
  const algorithm = field(stdout, /Public Key Algorithm: (\S+)/);
  const bits = field(stdout, /Public-Key: \((\d+) bit\)/);
  const curve = field(stdout, /NIST CURVE: (\S+)/) || field(stdout, /ASN1 OID: (\S+)/);
  const keyAlgorithm =
    {
      rsaEncryption: `RSA ${bits}`,
      rsassaPss: `RSA-PSS ${bits}`,
      'id-ecPublicKey': `ECDSA ${curve}`,
      ED25519: 'Ed25519',
    }[algorithm] ?? algorithm;
  return {
    sha256: hexOf(field(stdout, /sha256 Fingerprint=(\S+)/i)),
    sha1: createHash('sha1').update(der).digest('hex'),
    spkiSha256: spkiDer.length > 0 ? createHash('sha256').update(spkiDer).digest('base64') : '',
    serial: field(stdout, /^serial=(\S+)/m).toLowerCase(),
    notBefore: new Date(field(stdout, /^notBefore=(.*)$/m)).toISOString(),
    notAfter: new Date(field(stdout, /^notAfter=(.*)$/m)).toISOString(),
    subject: stdout.match(/^subject=(.*)$/m)?.[1] ?? '',
    issuer: stdout.match(/^issuer=(.*)$/m)?.[1] ?? '',
    sans: sanLine
      .split(', ')
      .filter((s) => s.startsWith('DNS:') || s.startsWith('IP Address:'))
      .map((s) => s.replace(/^(DNS|IP Address):/, '')),
    signatureAlgorithm: field(stdout, /Signature Algorithm: (\S+)/),
    keyAlgorithm,
  };
}

async function main(): Promise<void> {
  const record: Record<string, OpensslFacts> = {};
  for (const { der } of fixtureCertificates()) record[recordKey(der)] = await opensslFacts(der);
  writeFileSync(RECORDED_FACTS_FILE, `${JSON.stringify(record, null, 1)}\n`);
  process.stdout.write(`${RECORDED_FACTS_FILE}: ${Object.keys(record).length} certificates\n`);
}

if (require.main === module) void main();
