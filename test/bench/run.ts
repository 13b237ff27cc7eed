/**
 * `npm run bench`: performance figures against their budgets (docs/performance.md). Loopback only, bounded runs.
 * Prints a table and exits 1 when a budget is missed (a benchmark, not part of `npm test`).
 */
import { loadavg } from 'node:os';
import { runBundleBench } from './bundle-bench';
import { runCliBench } from './cli-bench';
import { runCtBench } from './ct-bench';
import { describeLimboBench, runLimboBench } from './limbo-bench';
import { runPolicyBench } from './policy-bench';
import { runProbeBench } from './probe-bench';
import { runRevocationBench } from './revocation-bench';
import { runRunBench } from './run-bench';
import { runScaleBench } from './scale-bench';

interface Budget {
  name: string;
  value: number;
  unit: string;
  limit: number;
  /** true: value must stay at or under the limit; false: at or over. */
  atMost: boolean;
}

/**
 * `npm run bench -- --only cli,bundle` runs some parts (probe, scale, bundle, policy, cli, limbo, run,
 * revocation, ct); default all.
 */
function wanted(part: string): boolean {
  const at = process.argv.indexOf('--only');
  return at < 0 || (process.argv[at + 1] ?? '').split(',').includes(part);
}

async function main(): Promise<void> {
  const budgets: Budget[] = [];
  if (wanted('probe')) await probeFigures(budgets);
  if (wanted('scale')) await scaleFigures(budgets);
  if (wanted('bundle')) await bundleFigures(budgets);
  if (wanted('policy')) await policyFigures();
  if (wanted('cli')) await cliFigures(budgets);
  if (wanted('limbo')) await limboFigures(budgets);
  if (wanted('run')) await runFigures();
  if (wanted('revocation')) await revocationFigures();
  if (wanted('ct')) await ctFigures(budgets);
  report(budgets);
}

async function revocationFigures(): Promise<void> {
  const loadBefore = loadavg()[0];
  const r = await runRevocationBench();
  const added = (ms: number) => `${(ms - r.offMs).toFixed(0)} ms (${((ms / r.offMs - 1) * 100).toFixed(0)} %)`;
  console.log(
    `revocation, steady cycle over ${r.targets} loopback targets (leaves on ${r.crlShards} CRL shards + one OCSP responder, issuing CA on a root CRL): off ${r.offMs.toFixed(0)} ms; cold cache ${r.coldMs.toFixed(0)} ms, +${added(r.coldMs)}, ${r.coldCrlFetches} CRL fetches; warm (store) ${r.warmMs.toFixed(0)} ms, +${added(r.warmMs)}, ${r.warmCrlFetches} CRL fetches`,
  );
  const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
  console.log(
    `revocation, inspect --revocation crl: ${(r.bigCrlBytes / 1e6).toFixed(1)} MB CRL in ${r.big.ms.toFixed(0)} ms, peak RSS ${mb(r.big.maxRssKb)}; 50 KB CRL in ${r.small.ms.toFixed(0)} ms, peak RSS ${mb(r.small.maxRssKb)} (load ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after)`,
  );
}

async function ctFigures(budgets: Budget[]): Promise<void> {
  const ct = await runCtBench();
  console.log(
    `CT scan: ${ct.entries} entries in ${ct.tiles} data tiles, ${ct.bytesPerEntry.toFixed(0)} B/entry (${ct.gzipBytesPerEntry.toFixed(0)} B gzipped); ` +
      `parts per CPU second: gunzip ${ct.parts.gunzip.toFixed(0)}, parse + leaf hash ${ct.parts.parse.toFixed(0)}, filter ${ct.parts.filter.toFixed(0)} entries`,
  );
  for (const r of ct.rate) {
    console.log(
      `CT scan with ${r.names} watched names (${r.filterStates} filter states): ${r.entriesPerSecond.toFixed(0)} entries per CPU second`,
    );
    budgets.push({
      name: `CT entries/s per core, ${r.names} names`,
      value: r.entriesPerSecond,
      unit: '/s',
      limit: 50_000,
      atMost: false,
    });
  }
}

async function probeFigures(budgets: Budget[]): Promise<void> {
  const probe = await runProbeBench();
  console.log(
    `probe median: certwatch ${probe.certwatchMs.toFixed(2)} ms, bare Node floor ${probe.floorMs.toFixed(2)} ms, openssl recipe ${probe.opensslMs.toFixed(2)} ms`,
  );
  budgets.push({ name: 'probe vs bare Node floor', value: probe.ratioToFloor, unit: '×', limit: 1.5, atMost: true });
  budgets.push({
    name: 'speed-up vs openssl recipe',
    value: probe.speedupVsOpenssl,
    unit: '×',
    limit: 10,
    atMost: false,
  });
}

async function scaleFigures(budgets: Budget[]): Promise<void> {
  const loadBefore = loadavg()[0];
  const scale = await runScaleBench();
  const t = (x: { ms: number; cpuMs: number }) => `${x.ms.toFixed(0)} ms (CPU ${x.cpuMs.toFixed(0)} ms)`;
  for (const p of scale) {
    console.log(
      `cycle over ${p.endpoints} endpoints (rsa + ecdsa each), embedded store: first ${t(p.first)}, steady ${t(p.steady)}, ${p.msPerEndpoint.toFixed(2)} ms/endpoint; probe only ${t(p.probeOnly)}: first ${(p.first.ms / p.probeOnly.ms).toFixed(2)}×, steady ${(p.steady.ms / p.probeOnly.ms).toFixed(2)}× the probe; steady cycle per endpoint: ${p.steadyPerEndpoint.writeUnits.toFixed(2)} WRU, ${p.steadyPerEndpoint.readUnits.toFixed(2)} RRU, ${p.steadyPerEndpoint.requests.toFixed(2)} requests (dynalite's accounting)`,
    );
    if (p.overHttp) {
      console.log(
        `  the same cycles through the AWS SDK over HTTP: first ${t(p.overHttp.first)}, steady ${t(p.overHttp.steady)}`,
      );
    }
    if (p.cli) {
      console.log(
        `  the built CLI, a process each: probe ${p.cli.probeMs.toFixed(0)} ms, check first ${p.cli.firstCheckMs.toFixed(0)} ms, check steady ${p.cli.steadyCheckMs.toFixed(0)} ms`,
      );
    }
  }
  console.log(`load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
  const largest = scale[scale.length - 1];
  const half = scale.find((p) => p.endpoints * 2 === largest.endpoints) ?? scale[0];
  budgets.push({
    name: `first cycle, ${largest.endpoints} endpoints`,
    value: largest.firstCycleMs / 1000,
    unit: ' s',
    limit: 5,
    atMost: true,
  });
  budgets.push({
    name: `steady cycle, ${largest.endpoints} endpoints`,
    value: largest.steadyCycleMs / 1000,
    unit: ' s',
    limit: 4,
    atMost: true,
  });
  budgets.push({
    name: `linearity: ms/endpoint at ${largest.endpoints} vs ${half.endpoints}`,
    value: largest.msPerEndpoint / half.msPerEndpoint,
    unit: '×',
    limit: 1.5,
    atMost: true,
  });
}

async function bundleFigures(budgets: Budget[]): Promise<void> {
  const bundle = await runBundleBench();
  console.log(
    `handler bundle: ${(bundle.bundleBytes / 1000).toFixed(1)} kB minified, module init ${bundle.initMs.toFixed(1)} ms ` +
      `(${bundle.initWithClientMs.toFixed(1)} ms with the DynamoDB client its first store request loads; load average ${loadAverage()})`,
  );
  budgets.push({
    name: 'handler bundle size',
    value: bundle.bundleBytes / 1000,
    unit: ' kB',
    limit: 600,
    atMost: true,
  });
  budgets.push({ name: 'handler module init', value: bundle.initMs, unit: ' ms', limit: 150, atMost: true });
}

/** The 1, 5 and 15 minute load averages, as printed beside each figure. */
function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

async function cliFigures(budgets: Budget[]): Promise<void> {
  const load = loadAverage;
  const loadBefore = load();
  const cli = await runCliBench();
  console.log(
    `CLI (node bin/certwatch.js, built): bare node ${cli.bareNodeMs.toFixed(0)} ms, --help ${cli.helpMs.toFixed(0)} ms, --version ${cli.versionMs.toFixed(0)} ms, ` +
      `probe of 1 endpoint ${cli.probeOneMs.toFixed(0)} ms; probe of 200 endpoints (rsa) ${cli.probe200Ms.toFixed(0)} ms = ` +
      `${cli.probe200PerEndpointMs.toFixed(2)} ms/endpoint vs openssl recipe ${cli.opensslPerEndpointMs.toFixed(1)} ms/endpoint; ` +
      `check of 500 endpoints ${(cli.check500Ms / 1000).toFixed(2)} s (load average ${loadBefore} before, ${load()} after)`,
  );
  budgets.push({
    name: 'CLI --help vs bare node',
    value: cli.helpMs / cli.bareNodeMs,
    unit: '×',
    limit: 1.5,
    atMost: true,
  });
  budgets.push({ name: 'CLI probe, 1 endpoint', value: cli.probeOneMs / 1000, unit: ' s', limit: 0.35, atMost: true });
  budgets.push({
    name: 'CLI probe, 1 endpoint vs bare node',
    value: cli.probeOneMs / cli.bareNodeMs,
    unit: '×',
    limit: 3,
    atMost: true,
  });
  budgets.push({
    name: 'CLI probe of 200 endpoints: speed-up per endpoint vs openssl recipe',
    value: cli.opensslPerEndpointMs / cli.probe200PerEndpointMs,
    unit: '×',
    limit: 10,
    atMost: false,
  });
  budgets.push({ name: 'CLI check, 500 endpoints', value: cli.check500Ms / 1000, unit: ' s', limit: 10, atMost: true });
}

async function runFigures(): Promise<void> {
  // No budget: the deployed run at full length (test/bench/run-bench.ts), printed for the record.
  const loadBefore = loadavg()[0];
  const { runs, shardAtWorst } = await runRunBench();
  console.log(`deployed run, full length: one shard holds ${shardAtWorst} targets at worst (default settings)`);
  for (const r of runs) {
    console.log(
      `  ${r.scenario}: ${r.status} in ${r.seconds.toFixed(1)} s, ${r.shards} shard invocation(s), ${r.failedInvocations} failed, ` +
        `${r.observed} of ${r.targets} targets observed so far, ${r.unreached} not reached this run`,
    );
  }
  console.log(`load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
}

async function policyFigures(): Promise<void> {
  // No budget: printed for the record (per observation, after the probe's own validation).
  for (const r of await runPolicyBench()) {
    console.log(`consumer policy evaluation, ${r.rule}: ${r.microseconds.toFixed(1)} µs per observation (median)`);
  }
}

async function limboFigures(budgets: Budget[]): Promise<void> {
  const bench = await runLimboBench();
  for (const line of describeLimboBench(bench)) console.log(line);
  // Issue #17: any chain's verdict within 1 s (the work caps make it so; this is the measurement).
  budgets.push({
    name: `slowest limbo case (${bench.slowest.id})`,
    value: bench.slowest.ms / 1000,
    unit: ' s',
    limit: 1,
    atMost: true,
  });
}

function report(budgets: readonly Budget[]): void {
  let missed = 0;
  for (const b of budgets) {
    const ok = b.atMost ? b.value <= b.limit : b.value >= b.limit;
    if (!ok) missed++;
    console.log(
      `${ok ? 'ok  ' : 'MISS'} ${b.name}: ${b.value.toFixed(2)}${b.unit} (budget ${b.atMost ? '≤' : '≥'} ${b.limit}${b.unit})`,
    );
  }
  process.exitCode = missed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
