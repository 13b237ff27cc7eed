/**
 * Log entries in both encodings, built here byte by byte from RFC 6962 §3.4 and the static-ct-api TileLeaf
 * definition, and the name filter and matcher that pick the entries worth parsing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseDataTile, parseMerkleTreeLeaf, scanBytes } from '../../lambdas/core/ct/entries';
import { CtError } from '../../lambdas/core/ct/errors';
import { NameFilter } from '../../lambdas/core/ct/name-filter';
import { coveredHosts, filterKey, isLoggableHost, nameCovers } from '../../lambdas/core/ct/names';
import { mulberry32 } from '../fuzz/prng';

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const vec24 = (b: Buffer) => Buffer.concat([u24(b.length), b]);

function timestampedEntry(ts: number, kind: 'x509' | 'precert', body: Buffer, keyHash = Buffer.alloc(32, 9)) {
  const signed = kind === 'x509' ? vec24(body) : Buffer.concat([keyHash, vec24(body)]);
  return Buffer.concat([u64(ts), u16(kind === 'x509' ? 0 : 1), signed, u16(0)]);
}

function tileLeaf(ts: number, kind: 'x509' | 'precert', body: Buffer, chain: Buffer[]) {
  const pre = kind === 'precert' ? vec24(Buffer.from('the precertificate')) : Buffer.alloc(0);
  const fps = Buffer.concat(chain);
  return Buffer.concat([timestampedEntry(ts, kind, body), pre, u16(fps.length), fps]);
}

const leafHashOf = (te: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([0, 0, 0]))
    .update(te)
    .digest();

test('a data tile parses entry by entry, each with its Merkle leaf hash', () => {
  // Prepare
  const fp = Buffer.alloc(32, 1);
  const entries = [
    tileLeaf(1000, 'x509', Buffer.from('certificate one'), [fp]),
    tileLeaf(2000, 'precert', Buffer.from('tbs two'), [fp, fp]),
  ];

  // Act
  const parsed = parseDataTile(Buffer.concat(entries), 512, 2);

  // Assess
  expect(parsed.map((e) => [e.index, e.kind, e.timestamp, e.chainFingerprints.length])).toEqual([
    [512, 'x509', 1000, 1],
    [513, 'precert', 2000, 2],
  ]);
  expect(Buffer.from(scanBytes(parsed[0])).toString()).toBe('certificate one');
  expect(Buffer.from(scanBytes(parsed[1])).toString()).toBe('tbs two');
  expect(parsed[1].leafHash).toEqual(leafHashOf(timestampedEntry(2000, 'precert', Buffer.from('tbs two'))));
  expect(Buffer.from(parsed[1].preCertificate as Uint8Array).toString()).toBe('the precertificate');
});

test('a truncated or oversized data tile, or one with a bad entry type, is refused', () => {
  // Prepare
  const one = tileLeaf(1, 'x509', Buffer.from('c'), []);
  const two = Buffer.concat([one, one]);

  // Act / Assess
  expect(() => parseDataTile(two.subarray(0, two.length - 1), 0, 2)).toThrow(/past the end/);
  expect(() => parseDataTile(two, 0, 1)).toThrow(/bytes more/);
  const badType = Buffer.from(one);
  badType[9] = 7;
  expect(() => parseDataTile(badType, 0, 1)).toThrow(/entry type 7/);
  expect(() => parseDataTile(Buffer.concat([one.subarray(0, one.length - 2), u16(5)]), 0, 1)).toThrow(CtError);
});

test('a get-entries item parses its MerkleTreeLeaf and the chain in extra_data', () => {
  // Prepare
  const te = timestampedEntry(5000, 'precert', Buffer.from('tbs'));
  const leafInput = Buffer.concat([Buffer.from([0, 0]), te]);
  const chain = [Buffer.from('intermediate'), Buffer.from('root')];
  const extra = Buffer.concat([vec24(Buffer.from('precert')), vec24(Buffer.concat(chain.map(vec24)))]);

  // Act
  const entry = parseMerkleTreeLeaf(7, leafInput, extra);

  // Assess
  expect(entry.leafHash).toEqual(leafHashOf(te));
  expect(entry.chain.map((c) => Buffer.from(c).toString())).toEqual(['intermediate', 'root']);
  expect(() => parseMerkleTreeLeaf(7, Buffer.concat([Buffer.from([1, 0]), te]), extra)).toThrow(/v1/);
  expect(() => parseMerkleTreeLeaf(7, leafInput, extra.subarray(0, extra.length - 1))).toThrow(CtError);
});

test('the name filter finds exactly the entries containing a key, in either case', () => {
  // Prepare: random haystacks checked against a plain search.
  const random = mulberry32(23);
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}.${'abcdefghij'[i % 10]}x.test`);
  keys.push('gmail.com', 'l.google.com');
  const filter = new NameFilter(keys);
  let hits = 0;

  // Act / Assess
  for (let n = 0; n < 400; n++) {
    const noise = Buffer.from(
      Array.from({ length: 300 }, () => 'abcdefgkx.0123456789test'.charCodeAt(Math.floor(random() * 24))),
    );
    const key = keys[Math.floor(random() * keys.length)];
    const hay = random() < 0.3 ? Buffer.concat([noise, Buffer.from(key.toUpperCase()), noise]) : noise;
    const expected = keys.some((k) => hay.toString('latin1').toLowerCase().includes(k));
    expect(filter.test(hay)).toBe(expected);
    if (expected) hits++;
  }
  expect(hits).toBeGreaterThan(50);
  expect(filter.test(randomBytes(10_000), 0, 0)).toBe(false);
  expect(new NameFilter([]).test(Buffer.from('gmail.com'))).toBe(false);
});

test('a wildcard covers one label only; a name merely containing a watched name covers nothing', () => {
  // Prepare
  const watched = new Set(['smtp.example.com', 'mx1.mail.example.org']);

  // Act / Assess
  expect(nameCovers('*.example.com', 'smtp.example.com')).toBe(true);
  expect(nameCovers('SMTP.Example.COM', 'smtp.example.com')).toBe(true);
  expect(nameCovers('*.com', 'example.com')).toBe(false);
  expect(nameCovers('*.example.org', 'mx1.mail.example.org')).toBe(false);
  expect(nameCovers('*.mail.example.org', 'mx1.mail.example.org')).toBe(true);
  expect(coveredHosts(['notsmtp.example.com', 'smtp.example.com.evil.test', 'xsmtp.example.com'], watched)).toEqual([]);
  expect(coveredHosts(['*.example.com', 'mx1.mail.example.org'], watched)).toEqual([
    'mx1.mail.example.org',
    'smtp.example.com',
  ]);
  expect(filterKey('smtp.gmail.com')).toBe('gmail.com');
  expect(filterKey('gmail.com')).toBe('gmail.com');
  expect(isLoggableHost('127.0.0.1')).toBe(false);
  expect(isLoggableHost('[::1]')).toBe(false);
  expect(isLoggableHost('localhost')).toBe(false);
  expect(isLoggableHost('aspmx.l.google.com.')).toBe(true);
});
