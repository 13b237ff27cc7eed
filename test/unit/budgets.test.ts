/**
 * Budgets derived from settings are defined once (lambdas/core/budgets.ts): the rules themselves, and a
 * scan of the sources that fails when one is written out again beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CLAIM_LEASE_MS, dnsTimeoutMs } from '../../lambdas/core/budgets';

const ROOT = resolve(__dirname, '..', '..');

/** Restatements of a budget: the DNS half of a probe timeout, the 5-minute lease, the shard cap. */
const RESTATED = [/timeoutMs\s*\/\s*2\b/, /leaseMs\b[^\n]*300_?000/, /shardBudgetSeconds\s*\*/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line` of every restated budget in `text`. */
function restatements(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (RESTATED.some((r) => r.test(line)) ? [`${file}:${i + 1}`] : []));
}

test('a DNS query gets half the probe timeout per try, never less than 500 ms, in whole milliseconds', () => {
  expect(dnsTimeoutMs(10_000)).toBe(5_000);
  expect(dnsTimeoutMs(4_001)).toBe(2_000);
  expect(dnsTimeoutMs(100)).toBe(500);
});

test('the publish lease is 5 minutes', () => {
  expect(CLAIM_LEASE_MS).toBe(5 * 60_000);
});

test('no source outside core/budgets.ts restates a derived budget', () => {
  // Prepare
  const files = ['lambdas', 'lib', 'bin'].flatMap((dir) => sources(join(ROOT, dir)));

  // Act
  const found = files
    .map((file) => relative(ROOT, file))
    .filter((file) => file !== join('lambdas', 'core', 'budgets.ts'))
    .flatMap((file) => restatements(file, readFileSync(join(ROOT, file), 'utf8')));

  // Assess
  expect(files.length).toBeGreaterThan(100);
  expect(found).toEqual([]);
});

test('the scan sees each way a budget was restated (the rule can fail)', () => {
  // Prepare
  const source = [
    'dns: { timeoutMs: Math.max(500, Math.floor(probeOptions.timeoutMs / 2)) },',
    'leaseMs: 300_000,',
    'const answer = await lookupMx(domain, { timeoutMs: options.timeoutMs / 2 });',
    '{ capSeconds: FAN_OUT.shardBudgetSeconds * 2 }',
    'leaseMs: CLAIM_LEASE_MS,',
  ].join('\n');

  // Act
  const found = restatements('example.ts', source);

  // Assess
  expect(found).toEqual(['example.ts:1', 'example.ts:2', 'example.ts:3', 'example.ts:4']);
});
