import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportLines, repeatedName } from '../../lambdas/store/import-lines';
import { checkItem, dynamoItemSize, MAX_ITEM_BYTES } from '../../lambdas/store/item-schema';

const FIXTURE = join(__dirname, '..', 'fixtures', 'upgrade', 'store-v1.json');
const { items } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { items: Record<string, unknown>[] };
const cert = items.find((item) => String(item.sk).startsWith('CERT#')) as Record<string, unknown>;

describe('the item rules import and the readers share', () => {
  it('accepts every item a release before this one wrote (the upgrade fixture)', () => {
    // Act
    const problems = items.map((item) => checkItem(item, { size: true })).filter(Boolean);

    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['a number where a time goes', { firstSeen: 12345 }, 'firstSeen', /"firstSeen" is 12345, not an ISO 8601 time/],
    ['a missing required attribute', { issuer: undefined }, 'issuer', /a certificate item needs "issuer"/],
    ['a word outside its set', { status: 'gone' }, 'status', /"status" is "gone", not one of active, retired/],
    ['a list of the wrong things', { sans: [1, 2] }, 'sans', /"sans" is \[1,2\], not a list of strings/],
    ['an attribute that disagrees with the keys', { target: 'smtp://else:25' }, 'target', /but the keys say/],
  ])('refuses %s, naming the attribute', (_what, change, field, reason) => {
    // Act
    const problem = checkItem({ ...cert, ...change });

    // Assess
    expect(problem?.field).toBe(field);
    expect(problem?.reason).toMatch(reason);
  });

  it.each([
    ['a verdict no reader knows', { status: 'revokd' }, /"verdict.status" is "revokd", not one of good, revoked/],
    ['an unknown kept as if trusted', { status: 'unknown' }, /"verdict.status" is "unknown"/],
    ['a reason RFC 5280 does not name', { reason: 'stolen' }, /"verdict.reason" is "stolen", not one of unspecified/],
  ])('refuses a revocation verdict with %s, naming the attribute inside it', (_what, change, reason) => {
    // Prepare
    const url = 'http://c.pki.goog/wr2/oQ6nyr8F0m0.crl';
    const verdict = { status: 'good', source: 'crl', url, thisUpdate: '2026-01-01T00:00:00Z', nextUpdate: null };
    const item = { pk: `REVOCATION#${url}`, sk: 'SERIAL#0a', url, serial: '0a', issuerSha256: 'ab'.repeat(32) };
    const stored = { ...item, verdict, validUntil: '2026-01-08T00:00:00Z' };

    // Act
    const fine = checkItem(stored);
    const problem = checkItem({ ...stored, verdict: { ...verdict, ...change } });

    // Assess
    expect(fine).toBeNull();
    expect(problem?.field).toMatch(/^verdict\./);
    expect(problem?.reason).toMatch(reason);
  });

  it('leaves items of kinds other modules read to them (keys and size only)', () => {
    // Act
    const other = checkItem({ pk: 'CT#log', sk: 'POSITION', size: 'anything' }, { size: true });
    const keyless = checkItem({ pk: 'CT#log' });

    // Assess
    expect(other).toBeNull();
    expect(keyless?.reason).toBe('an item needs non-empty string keys "pk" and "sk"');
  });

  it('counts an item as DynamoDB does: names and UTF-8 strings, numbers by digits, lists and maps with overhead', () => {
    // Act
    const size = dynamoItemSize({ pk: 'ab', n: 12345, ok: true, none: null, l: ['é'], m: { k: 'v' } });

    // Assess: pk 2+2, n 1+(1+3), ok 2+1, none 4+1, l 1+(3+1+2), m 1+(3+1+1+1)
    expect(size).toBe(4 + 5 + 3 + 5 + 7 + 7);
    expect(checkItem({ ...cert, pad: 'x'.repeat(MAX_ITEM_BYTES) }, { size: true })?.reason).toMatch(
      /bytes as DynamoDB counts them, over the 409600/,
    );
  });
});

describe('the lines of an import', () => {
  it('finds a name given twice in one object, as JSON decodes names, and nowhere else', () => {
    // Act + Assess
    expect(repeatedName('{"pk":"a","p\\u006b":"b"}')).toBe('pk');
    expect(repeatedName('{"a":{"x":1},"b":{"x":2},"c":["a","a"],"d":"\\"a\\""}')).toBeNull();
    expect(repeatedName('{"a":{"x":1,"x":2}}')).toBe('x');
  });

  it('refuses the second line of one item, naming both lines', () => {
    // Prepare
    const lines = new ImportLines('x.jsonl');
    lines.add(JSON.stringify(cert));
    lines.add('');

    // Act + Assess
    expect(() => lines.add(JSON.stringify(cert))).toThrow(/x\.jsonl: line 3: item .* is already on line 1/);
  });
});
