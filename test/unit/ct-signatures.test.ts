/**
 * Tree head signatures (get-sth JSON and static-ct checkpoints), with keys generated here and with a
 * checkpoint signed by a separately written log (Sunlight's test generator, test/fixtures/ct/README.md).
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeRfc6962NoteSignature,
  parseSignedNote,
  rfc6962KeyId,
  verifyCheckpoint,
} from '../../lambdas/core/ct/checkpoint';
import { CtError } from '../../lambdas/core/ct/errors';
import {
  encodeDigitallySigned,
  parseLogKey,
  type TreeHead,
  treeHeadSignatureInput,
  verifySth,
  verifyTreeHead,
} from '../../lambdas/core/ct/tree-head';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ct', 'sunlight');

function keys(type: 'ec' | 'rsa') {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey: pair.privateKey, logKey: parseLogKey(spki.toString('base64')) };
}

function signHead(privateKey: KeyObject, head: TreeHead, algorithm: number): Buffer {
  return encodeDigitallySigned({
    hashAlgorithm: 4,
    signatureAlgorithm: algorithm,
    signature: sign('sha256', treeHeadSignatureInput(head), privateKey),
  });
}

const HEAD: TreeHead = { size: 1234, timestamp: 1_767_139_200_000, root: createHash('sha256').update('r').digest() };

function sthJson(head: TreeHead, signature: Buffer) {
  return {
    tree_size: head.size,
    timestamp: head.timestamp,
    sha256_root_hash: head.root.toString('base64'),
    tree_head_signature: signature.toString('base64'),
  };
}

test.each([
  ['ECDSA P-256', 'ec', 3],
  ['RSA', 'rsa', 1],
] as const)('a get-sth signed with the log key (%s) verifies, and any change to it does not', (_name, type, alg) => {
  // Prepare
  const { privateKey, logKey } = keys(type);
  const signature = signHead(privateKey, HEAD, alg);

  // Act / Assess
  expect(verifySth(logKey, sthJson(HEAD, signature))).toEqual(HEAD);
  expect(() => verifySth(logKey, sthJson({ ...HEAD, size: HEAD.size + 1 }, signature))).toThrow(/does not verify/);
  expect(() => verifySth(logKey, sthJson({ ...HEAD, timestamp: HEAD.timestamp + 1 }, signature))).toThrow(CtError);
  expect(() => verifySth(keys(type).logKey, sthJson(HEAD, signature))).toThrow(CtError);
  expect(() => verifyTreeHead(logKey, HEAD, { hashAlgorithm: 4, signatureAlgorithm: 4 - alg, signature })).toThrow(
    /not the log key's/,
  );
});

test('a get-sth that is not the RFC 6962 shape is refused with a clear reason', () => {
  // Prepare
  const { logKey } = keys('ec');

  // Act / Assess
  expect(() => verifySth(logKey, null)).toThrow(/not an object/);
  expect(() => verifySth(logKey, { ...sthJson(HEAD, Buffer.alloc(8)), tree_size: -1 })).toThrow(/tree_size/);
  expect(() => verifySth(logKey, { ...sthJson(HEAD, Buffer.alloc(8)), sha256_root_hash: 'AAAA' })).toThrow(/32 bytes/);
  expect(() => verifySth(logKey, sthJson(HEAD, Buffer.alloc(3)))).toThrow(/truncated/);
});

test('a log key that is neither P-256 nor RSA ≥ 2048 is refused', () => {
  // Prepare
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' });

  // Act / Assess
  expect(() => parseLogKey(p384.toString('base64'))).toThrow(/P-256/);
  expect(() => parseLogKey('bm90IGEga2V5')).toThrow(CtError);
});

test("a checkpoint signed by Sunlight's test generator verifies with the log key from its list entry", () => {
  // Prepare
  const entry = JSON.parse(readFileSync(join(FIXTURES, 'log.v3.json'), 'utf8'));
  const key = parseLogKey(entry.key);
  const checkpoint = readFileSync(join(FIXTURES, 'checkpoint'));

  // Act
  const head = verifyCheckpoint(checkpoint, key, 'rome2026h1.example.org');

  // Assess
  expect(key.logId.toString('base64')).toBe(entry.log_id);
  expect(head.size).toBe(300);
  expect(head.root.toString('base64')).toBe(entry.final_tree_head.sha256_root_hash);
  expect(head.timestamp).toBe(entry.final_tree_head.timestamp);
});

test('a checkpoint with a changed size, another origin or no signature by the log key is refused', () => {
  // Prepare
  const entry = JSON.parse(readFileSync(join(FIXTURES, 'log.v3.json'), 'utf8'));
  const key = parseLogKey(entry.key);
  const text = readFileSync(join(FIXTURES, 'checkpoint'), 'utf8');

  // Act / Assess
  expect(() =>
    verifyCheckpoint(Buffer.from(text.replace('\n300\n', '\n301\n')), key, 'rome2026h1.example.org'),
  ).toThrow(/does not verify/);
  expect(() => verifyCheckpoint(Buffer.from(text), key, 'milan2026h1.example.org')).toThrow(/origin/);
  expect(() => verifyCheckpoint(Buffer.from(text), keys('ec').logKey, 'rome2026h1.example.org')).toThrow(
    /no signature by the log's key/,
  );
});

test('witness signatures are ignored; extension lines, control characters and malformed notes are refused', () => {
  // Prepare
  const { privateKey, logKey } = keys('ec');
  const origin = 'log.example/2026';
  const body = `${origin}\n${HEAD.size}\n${HEAD.root.toString('base64')}\n`;
  const line = (name: string, keyId: number, sig: Buffer) => {
    const raw = Buffer.alloc(4);
    raw.writeUInt32BE(keyId >>> 0);
    return `\u2014 ${name} ${Buffer.concat([raw, sig]).toString('base64')}\n`;
  };
  const ours = line(
    origin,
    rfc6962KeyId(origin, logKey.logId),
    encodeRfc6962NoteSignature(HEAD.timestamp, signHead(privateKey, HEAD, 3)),
  );
  const witness = line('witness.example/w1', 0x01020304, Buffer.alloc(64, 7));

  // Act / Assess
  expect(verifyCheckpoint(Buffer.from(`${body}\n${witness}${ours}`), logKey, origin).size).toBe(HEAD.size);
  expect(() => verifyCheckpoint(Buffer.from(`${body}ext\n\n${ours}`), logKey, origin)).toThrow(/extension/);
  expect(() => parseSignedNote(Buffer.from(`${body}\u0007\n\n${ours}`))).toThrow(/control/);
  expect(() => parseSignedNote(Buffer.from(`${body}${ours}`))).toThrow(/signature/);
  expect(() => parseSignedNote(Buffer.from([0xff, 0xfe, 0x0a]))).toThrow(/UTF-8/);
  expect(() =>
    verifyCheckpoint(Buffer.from(`${origin}\n01\n${HEAD.root.toString('base64')}\n\n${ours}`), logKey, origin),
  ).toThrow(/decimal/);
});
