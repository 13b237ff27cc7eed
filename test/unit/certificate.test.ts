import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreError } from '../../lambdas/core/errors';
import { Certificate, MAX_CERTIFICATE_BYTES, parseChain } from '../../lambdas/core/x509/certificate';
import { certificateParts, certificateSubject, DerError } from '../../lambdas/core/x509/der';
import { pemToDerList } from '../../lambdas/core/x509/pem';
import {
  fixtureCertificates,
  GOOGLE_FIXTURES,
  ipNumbers,
  type OpensslFacts,
  opensslFacts,
  recordedFacts,
  recordKey,
} from '../support/openssl-facts';

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

  test('has the facts openssl gave recorded for exactly the fixture certificates', () => {
    // Act
    const recorded = Object.keys(recordedFacts()).sort();

    // Assess
    expect(recorded).toEqual(certificates.map(({ der }) => recordKey(der)).sort());
  });

  test('matches the facts openssl gave for every certificate in the fixtures', () => {
    // Prepare
    const facts = recordedFacts();

    // Act & Assess
    for (const { der } of certificates) expectModelMatches(der, facts[recordKey(der)]);
    // 176 models: CPU-bound, so a busy machine stretches it; a hang still fails.
  }, 120_000);

  test('has a record that is what openssl says today, asked again for a sample of the fixtures', async () => {
    // Prepare: one of every dozen, spread over leaves, intermediates, roots, chains and bundles
    const sample = certificates.filter((_, i) => i % 12 === 0);
    const facts = recordedFacts();

    // Act
    const today = await Promise.all(sample.map(({ der }) => opensslFacts(der)));

    // Assess
    expect(sample.length).toBeGreaterThanOrEqual(12);
    expect(today).toEqual(sample.map(({ der }) => facts[recordKey(der)]));
  });

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
  const wr2 = pemToDerList(readFileSync(join(GOOGLE_FIXTURES, 'intermediates/WR2.pem'), 'utf8'))[0];

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
    // 720 parses: a few seconds alone, several times that with both cores busy; a hang still fails.
  }, 120_000);

  test('returns the same instance for the same bytes', () => {
    expect(Certificate.fromDer(Buffer.from(wr2))).toBe(Certificate.fromDer(wr2));
  });
});

describe('parseChain', () => {
  const chain = pemToDerList(
    readFileSync(join(GOOGLE_FIXTURES, 'chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem'), 'utf8'),
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

describe('certificateSubject (indexing anchors by subject)', () => {
  test('gives the same subject bytes as the whole parse, for every fixture certificate', () => {
    // Prepare
    const certificates = fixtureCertificates();

    // Act
    const mismatched = certificates.filter(
      ({ der }) => !Buffer.from(certificateSubject(der)).equals(Buffer.from(certificateParts(der).subject)),
    );

    // Assess
    expect(certificates.length).toBeGreaterThan(170);
    expect(mismatched.map((c) => c.file)).toEqual([]);
  });

  test('refuses what is not one certificate: garbage, a truncation, trailing bytes', () => {
    // Prepare
    const [{ der }] = fixtureCertificates();

    // Act / Assess
    for (const bad of [Buffer.from('not a certificate'), der.subarray(0, 200), Buffer.concat([der, Buffer.of(0)])]) {
      expect(() => certificateSubject(bad)).toThrow(DerError);
    }
  });
});
