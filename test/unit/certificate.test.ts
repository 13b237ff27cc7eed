import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreError } from '../../lambdas/core/errors';
import { Certificate, MAX_CERTIFICATE_BYTES, parseChain } from '../../lambdas/core/x509/certificate';
import { derToPem, pemToDerList } from '../../lambdas/core/x509/pem';

const run = promisify(execFile);
const FIXTURES = join(__dirname, '../fixtures/google');
const NAMEOPT = 'esc_2253,esc_ctrl,utf8,dump_nostr,dump_der,sep_comma_plus_space,sname';

/** Every distinct certificate of every PEM file under the fixtures, with the file it came from. */
function fixtureCertificates(): { file: string; der: Buffer }[] {
  const seen = new Set<string>();
  const out: { file: string; der: Buffer }[] = [];
  for (const dir of ['leaves', 'intermediates', 'roots', 'chains', 'bundles']) {
    for (const name of readdirSync(join(FIXTURES, dir)).sort()) {
      for (const der of pemToDerList(readFileSync(join(FIXTURES, dir, name), 'utf8'))) {
        const key = der.toString('base64');
        if (!seen.has(key)) out.push({ file: `${dir}/${name}`, der });
        seen.add(key);
      }
    }
  }
  return out;
}

// One shell per certificate keeps ~200 openssl oracles at a few seconds.
const ORACLE = `f=$(mktemp); cat > "$f"
openssl x509 -in "$f" -noout -fingerprint -sha256 -serial -startdate -enddate -subject -issuer -nameopt ${NAMEOPT} -ext subjectAltName
echo "sha1 $(openssl x509 -in "$f" -noout -fingerprint -sha1)"
echo "spki $(openssl x509 -in "$f" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64)"
openssl x509 -in "$f" -noout -text -certopt no_header,no_version,no_serial,no_validity,no_subject,no_issuer,no_extensions,no_sigdump,no_aux
rm -f "$f"`;

interface OpensslFacts {
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
function ipNumbers(text: string): number[] {
  if (!text.includes(':')) return text.split('.').map(Number);
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => Number.parseInt(g, 16));
}

async function opensslFacts(der: Buffer): Promise<OpensslFacts> {
  const child = run('sh', ['-c', ORACLE], { encoding: 'utf8' });
  child.child.stdin?.end(derToPem(der));
  const { stdout } = await child;
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
    sha1: hexOf(field(stdout, /sha1 Fingerprint=(\S+)/i)),
    spkiSha256: field(stdout, /^spki (\S+)/m),
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

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function expectModelMatches(der: Buffer, facts: OpensslFacts): void {
  const model = Certificate.fromDer(der).toModel();
  const { sans, ...rest } = facts;
  expect({ ...model, sans: undefined, selfSigned: undefined }).toEqual({
    ...rest,
    sans: undefined,
    selfSigned: undefined,
  });
  expect(model.sans.map(ipNumbersOrName)).toEqual(sans.map(ipNumbersOrName));
}

function ipNumbersOrName(name: string): string {
  return /^[\d.]+$|:/.test(name) ? ipNumbers(name).join('/') : name;
}

describe('Certificate.toModel', () => {
  const certificates = fixtureCertificates();

  test('covers every fixture certificate', () => {
    expect(certificates.length).toBeGreaterThan(170);
  });

  test('matches openssl for every certificate in the fixtures', async () => {
    // Prepare
    const facts = await mapLimited(certificates, 4, ({ der }) => opensslFacts(der));

    // Act & Assess
    certificates.forEach(({ der }, i) => {
      expectModelMatches(der, facts[i]);
    });
  }, 60_000);

  test('marks roots self-signed and leaves, intermediates and cross-certificates not', () => {
    // Act
    const selfSigned = certificates
      .filter(({ file }) => !file.startsWith('bundles/') && !file.startsWith('chains/'))
      .map(({ file, der }) => [file.split('/')[0], Certificate.fromDer(der).toModel().selfSigned] as const);

    // Assess
    expect(selfSigned.filter(([dir]) => dir === 'roots').every(([, s]) => s)).toBe(true);
    expect(selfSigned.filter(([dir]) => dir !== 'roots').some(([, s]) => s)).toBe(false);
  });

  describe('with certificates openssl makes for awkward names, keys and serials', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certwatch-cert-'));
    const make = (name: string, args: string[]) => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-nodes',
          '-days',
          '2',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.pem`),
          ...args,
        ],
        {
          stdio: 'ignore',
        },
      );
      return pemToDerList(readFileSync(join(dir, `${name}.pem`), 'utf8'))[0];
    };
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test.each([
      [
        'RFC 2253 specials and control characters',
        [
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-384',
          '-subj',
          '/C=US/O=A\\, B\\+C "q" <x>;y\\\\z/CN= lead#trail /OU=#hash/CN=tab\tx',
        ],
      ],
      [
        'UTF-8, multi-valued RDNs and rarer attributes',
        [
          '-newkey',
          'ed25519',
          '-utf8',
          '-multivalue-rdn',
          '-subj',
          '/CN=café ☃/O=Test+OU=Multi/emailAddress=a@b.c/DC=example/UID=u1/serialNumber=123/street=Main/businessCategory=Private Organization/jurisdictionC=US/postalCode=123/organizationIdentifier=VATDE-1',
        ],
      ],
      [
        'IPv4 and IPv6 SANs and a high-bit serial',
        [
          '-newkey',
          'rsa:2048',
          '-set_serial',
          '0x80000000000000000001',
          '-subj',
          '/CN=ip',
          '-addext',
          'subjectAltName=DNS:mx.example.com,IP:192.0.2.1,IP:2001:db8::1,IP:::1,IP:2001:db8:0:1:0:0:0:1',
        ],
      ],
      ['an RSA-PSS signature', ['-newkey', 'rsa:3072', '-sigopt', 'rsa_padding_mode:pss', '-subj', '/CN=pss']],
      [
        'a small serial with a leading zero byte',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-set_serial', '5', '-subj', '/CN=five'],
      ],
    ])('matches openssl for %s', async (name, args) => {
      // Prepare
      const der = make(name.replace(/\W+/g, '-'), args as string[]);

      // Act & Assess
      expectModelMatches(der, await opensslFacts(der));
    });
  });
});

describe('Certificate.fromDer', () => {
  const wr2 = pemToDerList(readFileSync(join(FIXTURES, 'intermediates/WR2.pem'), 'utf8'))[0];

  function outcome(bytes: Uint8Array): 'parsed' | 'CHAIN_UNPARSEABLE' {
    try {
      Certificate.fromDer(bytes).toModel();
      return 'parsed';
    } catch (error) {
      if (error instanceof CoreError && error.code === 'CHAIN_UNPARSEABLE') return 'CHAIN_UNPARSEABLE';
      throw error;
    }
  }

  test('rejects random bytes with CHAIN_UNPARSEABLE', () => {
    // Prepare
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed & 0xff;
    };
    const samples = Array.from({ length: 300 }, (_, i) => Uint8Array.from({ length: 1 + ((i * 7) % 1500) }, random));
    samples.push(Uint8Array.from([0x30, 0x82, 0x05, 0x00, ...Array(40).fill(0)]));

    // Act & Assess
    expect(samples.map(outcome).every((o) => o === 'CHAIN_UNPARSEABLE')).toBe(true);
  });

  test('rejects every truncation of a real certificate', () => {
    // Act
    const outcomes = Array.from({ length: wr2.length }, (_, n) => outcome(wr2.subarray(0, n)));

    // Assess
    expect(outcomes.every((o) => o === 'CHAIN_UNPARSEABLE')).toBe(true);
  });

  test('rejects trailing bytes, empty input, non-bytes and input over 64 KiB', () => {
    expect(outcome(Buffer.concat([wr2, Buffer.from([0])]))).toBe('CHAIN_UNPARSEABLE');
    expect(outcome(new Uint8Array(0))).toBe('CHAIN_UNPARSEABLE');
    expect(outcome('MIIF' as unknown as Uint8Array)).toBe('CHAIN_UNPARSEABLE');
    expect(outcome(Buffer.concat([wr2, Buffer.alloc(MAX_CERTIFICATE_BYTES)]))).toBe('CHAIN_UNPARSEABLE');
  });

  test('never throws anything but CHAIN_UNPARSEABLE for bit-flipped certificates', () => {
    // Prepare: every bit of the header and the names, and a spread of the rest
    const positions = [...Array(260).keys(), ...Array.from({ length: 100 }, (_, i) => 260 + i * 15)].filter(
      (p) => p < wr2.length,
    );
    const flipped = positions.flatMap((p) =>
      [0, 7].map((bit) => {
        const copy = Buffer.from(wr2);
        copy[p] ^= 1 << bit;
        return copy;
      }),
    );

    // Act
    const outcomes = flipped.map(outcome);

    // Assess
    expect(outcomes).toContain('CHAIN_UNPARSEABLE');
    expect(outcomes).toContain('parsed');
  });

  test('returns the same instance for the same bytes', () => {
    expect(Certificate.fromDer(Buffer.from(wr2))).toBe(Certificate.fromDer(wr2));
  });
});

describe('parseChain', () => {
  const chain = pemToDerList(
    readFileSync(join(FIXTURES, 'chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem'), 'utf8'),
  );

  test('parses a chain in the order given', () => {
    // Act
    const parsed = parseChain(chain);

    // Assess
    expect(parsed.ok && parsed.certificates.map((c) => c.subject)).toEqual([
      'CN=smtp.gmail.com',
      'C=US, O=Google Trust Services, CN=WR2',
      'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
    ]);
  });

  test('reports the index of the first certificate that does not parse', () => {
    // Act
    const parsed = parseChain([chain[0], chain[1].subarray(0, 100), chain[2]]);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      error: { code: 'CHAIN_UNPARSEABLE', message: expect.stringMatching(/^certificate 1 /), index: 1 },
    });
  });

  test('refuses chains of more than 16 certificates', () => {
    // Act
    const parsed = parseChain(Array(17).fill(chain[1]));

    // Assess
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.index).toBe(16);
  });
});
