/**
 * Consumer policy evaluation cost per observation (µs), on the real smtp.gmail.com chain as Google served
 * it (leaf, WR2, GTS Root R1 cross-signed): pins, a CA file, TLSA 3 1 1 and 2 1 1, and all four rules.
 * Run alone with `npx tsx test/bench/policy-bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateConsumerPolicy, type PolicySubject } from '../../lambdas/core/policy/evaluate';
import { parsePolicyDocument } from '../../lambdas/core/policy/parse';
import { parseChain } from '../../lambdas/core/x509/certificate';
import { pemToDerList } from '../../lambdas/core/x509/pem';

const FIXTURES = join(__dirname, '..', 'fixtures', 'google');
const NOW = new Date('2024-11-15T00:00:00Z');
const LEAF_SPKI = 'bf67323a355d5c94012636071c019456c78258d2704b5d1be6942408eebc40ce';
const GTSR1_SPKI = '871a9194f4eed5b312ff40c84c1d524aed2f778bbff25f138cf81f680a7adc67';

/** Median µs per evaluation for each rule mix. */
export interface PolicyBenchResult {
  rule: string;
  microseconds: number;
}

export async function runPolicyBench(iterations = 2000): Promise<PolicyBenchResult[]> {
  const parsed = parseChain(
    pemToDerList(
      readFileSync(join(FIXTURES, 'chains/smtp.gmail.com_2024-10_as-served_leaf-WR2-GTSR1xGSR1.pem'), 'utf8'),
    ),
  );
  if (!parsed.ok) throw new Error('fixture chain unparseable');
  const chain = parsed.certificates;
  const root = readFileSync(join(FIXTURES, 'roots/GTS_Root_R1.pem'), 'utf8');
  const subject: PolicySubject = {
    target: 'smtps://smtp.gmail.com:465',
    host: 'smtp.gmail.com',
    port: 465,
    validation: null,
    hostnameMatch: true,
  };
  const mixes: Record<string, Record<string, unknown>> = {
    'pins (1 of 3 match)': { pins: ['00'.repeat(32), '11'.repeat(32), LEAF_SPKI] },
    'ca (cross-signed root)': { ca: root },
    'tlsa 3 1 1': { tlsa: [`3 1 1 ${LEAF_SPKI}`] },
    'tlsa 2 1 1 (path + name)': { tlsa: [`2 1 1 ${GTSR1_SPKI}`] },
    'all four kinds': { pins: [LEAF_SPKI], ca: root, tlsa: [`3 1 1 ${LEAF_SPKI}`, `2 1 1 ${GTSR1_SPKI}`] },
  };
  const results: PolicyBenchResult[] = [];
  for (const [rule, rules] of Object.entries(mixes)) {
    const set = parsePolicyDocument({ policies: [{ targets: ['*'], ...rules }] }, { source: 'bench' });
    for (let i = 0; i < 200; i++) await evaluateConsumerPolicy({ set, subject, chain, now: NOW }); // warm caches
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      const verdict = await evaluateConsumerPolicy({ set, subject, chain, now: NOW });
      samples.push(performance.now() - start);
      if (!verdict?.ok) throw new Error(`${rule}: the bench chain should pass`);
    }
    samples.sort((a, b) => a - b);
    results.push({ rule, microseconds: samples[Math.floor(samples.length / 2)] * 1000 });
  }
  return results;
}

if (require.main === module) {
  runPolicyBench().then((results) => {
    for (const r of results) console.log(`policy evaluation, ${r.rule}: ${r.microseconds.toFixed(1)} µs median`);
  });
}
