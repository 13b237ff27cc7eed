import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError } from '../../lambdas/core/errors';
import { derToPem, pemToDerList } from '../../lambdas/core/x509/pem';

const FIXTURES = join(__dirname, '../fixtures/google');
const chainPem = readFileSync(
  join(FIXTURES, 'chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem'),
  'utf8',
);

/** The DER of each certificate of a PEM file, decoded by openssl (the independent oracle). */
function opensslDer(pem: string): Buffer {
  return execFileSync('openssl', ['x509', '-outform', 'DER'], { input: pem });
}

function blocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
}

function expectUnparseable(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CoreError);
  expect((caught as CoreError).code).toBe('CHAIN_UNPARSEABLE');
}

describe('pemToDerList', () => {
  test('returns every certificate block in order, with the bytes openssl decodes', () => {
    // Prepare
    const expected = blocks(chainPem).map(opensslDer);

    // Act
    const ders = pemToDerList(chainPem);

    // Assess
    expect(ders).toHaveLength(3);
    expect(ders).toEqual(expected);
  });

  test('ignores the text openssl s_client prints around the blocks', () => {
    // Prepare
    const [leaf, wr2, cross] = blocks(chainPem);
    const transcript = [
      'CONNECTED(00000003)',
      '---',
      'Certificate chain',
      ' 0 s:CN = smtp.gmail.com',
      '   i:C = US, O = Google Trust Services, CN = WR2',
      leaf,
      ' 1 s:C = US, O = Google Trust Services, CN = WR2',
      wr2,
      '# a bundle comment',
      cross,
      '---',
      'Server certificate',
      'subject=CN = smtp.gmail.com',
      '250 SMTPUTF8',
    ].join('\n');

    // Act
    const ders = pemToDerList(transcript);

    // Assess
    expect(ders).toEqual(pemToDerList(chainPem));
  });

  test('accepts CRLF line endings', () => {
    // Act
    const ders = pemToDerList(chainPem.replace(/\n/g, '\r\n'));

    // Assess
    expect(ders).toEqual(pemToDerList(chainPem));
  });

  test('skips PEM blocks that are not certificates', () => {
    // Prepare
    const text = `-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n${blocks(chainPem)[0]}`;

    // Act
    const ders = pemToDerList(text);

    // Assess
    expect(ders).toHaveLength(1);
  });

  test('returns an empty list for text without certificates', () => {
    expect(pemToDerList('220 mx.google.com ESMTP ready')).toEqual([]);
  });

  test.each([
    ['a character outside base64', (b: string) => b.replace(/^(-----BEGIN CERTIFICATE-----\n.{10})./, '$1!')],
    ['a missing base64 character', (b: string) => b.replace(/^(-----BEGIN CERTIFICATE-----\n.{10})./, '$1')],
    ['an empty body', () => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    [
      'an RFC 1421 header',
      (b: string) =>
        b.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n'),
    ],
    ['no END line', (b: string) => b.replace('-----END CERTIFICATE-----', '')],
  ])('throws CHAIN_UNPARSEABLE for a block with %s', (_label, corrupt) => {
    // Prepare
    const [first, second] = blocks(chainPem);
    const text = `${first}${corrupt(second)}`;

    // Act & Assess
    expectUnparseable(() => pemToDerList(text));
  });
});

describe('derToPem', () => {
  test('writes PEM that openssl reads back to the same DER, 64 columns per line', () => {
    // Prepare
    const [der] = pemToDerList(chainPem);

    // Act
    const pem = derToPem(der);

    // Assess
    expect(opensslDer(pem)).toEqual(der);
    expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    const body = pem.split('\n').slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
  });

  test('round-trips through pemToDerList, including views into larger buffers', () => {
    // Prepare
    const ders = pemToDerList(chainPem);
    const joined = Buffer.concat(ders);
    const view = new Uint8Array(joined.buffer, joined.byteOffset + ders[0].length, ders[1].length);

    // Act
    const again = pemToDerList(ders.map(derToPem).join('') + derToPem(view));

    // Assess
    expect(again).toEqual([...ders, ders[1]]);
  });
});
