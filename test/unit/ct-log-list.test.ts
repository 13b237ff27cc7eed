/**
 * Chrome's log list v3: the real list and signature (test/fixtures/ct/README.md) with the shipped Google key,
 * and the rules for logs certwatch follows.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CtError } from '../../lambdas/core/ct/errors';
import { parseLogList, verifyLogListSignature } from '../../lambdas/core/ct/log-list';
import { GOOGLE_LOG_LIST_KEY_PEM } from '../../lambdas/ct/log-list-key';

const CHROME = join(__dirname, '..', 'fixtures', 'ct', 'chrome');
const read = (name: string) => readFileSync(join(CHROME, name));

function logKey() {
  const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  return { key: spki.toString('base64'), log_id: createHash('sha256').update(spki).digest('base64') };
}

test("the shipped Google key is the data file's, and verifies Chrome's published lists", () => {
  // Prepare
  const file = readFileSync(join(__dirname, '..', '..', 'lambdas', 'ct', 'data', 'google-log-list-pubkey.pem'), 'utf8');

  // Act / Assess
  expect(GOOGLE_LOG_LIST_KEY_PEM.trim()).toBe(file.trim());
  expect(() =>
    verifyLogListSignature(read('log_list.json'), read('log_list.sig'), GOOGLE_LOG_LIST_KEY_PEM),
  ).not.toThrow();
  expect(() =>
    verifyLogListSignature(read('all_logs_list.json'), read('all_logs_list.sig'), GOOGLE_LOG_LIST_KEY_PEM),
  ).not.toThrow();
});

test('a changed byte in the list, or the signature of another list, does not verify', () => {
  // Prepare
  const json = read('log_list.json');
  json[100] ^= 1;

  // Act / Assess
  expect(() => verifyLogListSignature(json, read('log_list.sig'), GOOGLE_LOG_LIST_KEY_PEM)).toThrow(/does not verify/);
  expect(() =>
    verifyLogListSignature(read('log_list.json'), read('all_logs_list.sig'), GOOGLE_LOG_LIST_KEY_PEM),
  ).toThrow(CtError);
});

test("Chrome's list gives its usable, qualified and readonly logs; retired ones are skipped", () => {
  // Act
  const list = parseLogList(JSON.parse(read('log_list.json').toString('utf8')));

  // Assess
  expect(list.problems).toEqual([]);
  expect(list.logs).toHaveLength(39);
  expect(list.skipped.map((s) => s.state)).toEqual(['retired', 'retired', 'retired']);
  const argon = list.logs.find((l) => l.name === "Google 'Argon2025h1' log");
  expect(argon).toMatchObject({
    protocol: 'rfc6962',
    url: 'https://ct.googleapis.com/logs/us1/argon2025h1/',
    mmd: 86400,
    state: 'usable',
    operator: 'Google',
    origin: null,
  });
  const sabre = list.logs.find((l) => l.state === 'readonly');
  expect(sabre?.finalTreeHead?.size).toBe(546099878);
});

test('a tiled log takes its checkpoint origin from the submission prefix', () => {
  // Prepare
  const k = logKey();
  const doc = {
    operators: [
      {
        name: 'Example',
        tiled_logs: [
          {
            description: 'Example 2026h1',
            ...k,
            submission_url: 'https://log.example.org/2026h1/',
            monitoring_url: 'https://bucket.example.net/2026h1',
            mmd: 60,
            state: { usable: { timestamp: '2026-01-01T00:00:00Z' } },
          },
        ],
      },
    ],
  };

  // Act
  const [log] = parseLogList(doc).logs;

  // Assess
  expect(log).toMatchObject({
    protocol: 'static-ct',
    url: 'https://bucket.example.net/2026h1/',
    origin: 'log.example.org/2026h1',
    id: k.log_id,
  });
});

test('a log the list gets wrong is reported and left out; the others stay', () => {
  // Prepare
  const good = { description: 'good', ...logKey(), url: 'http://127.0.0.1:9/good/', mmd: 1, state: { usable: {} } };
  const doc = {
    operators: [
      {
        name: 'Example',
        logs: [
          good,
          { ...good, description: 'wrong id', log_id: logKey().log_id },
          { ...good, ...logKey(), description: 'plain http', url: 'http://ct.example.org/' },
          { ...good, ...logKey(), description: 'no mmd', mmd: 'a day' },
          { ...good, description: 'twice' },
        ],
      },
    ],
  };

  // Act
  const list = parseLogList(doc);

  // Assess
  expect(list.logs.map((l) => l.name)).toEqual(['good']);
  expect(list.problems).toEqual([
    { log: 'wrong id', reason: expect.stringContaining('log_id is not the SHA-256 of its key') },
    { log: 'plain http', reason: expect.stringContaining('http only on loopback') },
    { log: 'no mmd', reason: 'mmd is not a number of seconds' },
    { log: 'twice', reason: 'listed twice' },
  ]);
});

test('a document that is not a log list is refused with one clear error', () => {
  // Act / Assess
  expect(() => parseLogList({ logs: [] })).toThrow(/operators/);
  expect(() => parseLogList([])).toThrow(CtError);
  expect(() => parseLogList({ operators: [{ name: 'x', logs: {} }] })).toThrow(/not an array/);
});
