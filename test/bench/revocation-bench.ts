/**
 * Revocation figures (docs/revocation.md "Figures"): the time revocation adds to a steady watch cycle
 * with a cold cache (every CRL and OCSP answer fetched) and a warm one (verdicts from the store), over
 * loopback SMTP servers whose leaves name partitioned CRLs and an `openssl ocsp` responder; and the
 * scan rate and peak memory of `certwatch inspect --revocation crl` over a 50 MB CRL (a child process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeOptions } from '../../lambdas/core/probe-options';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { MemoryRevocationCache, type RevocationCache } from '../../lambdas/core/revocation/cache';
import { serialOctets } from '../../lambdas/core/revocation/crl-scanner';
import { parseTargets } from '../../lambdas/core/targets';
import { ConsolePublisher } from '../../lambdas/notify/console-publisher';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { dynamoHistoryStore } from '../../lambdas/store/dynamo-history-store';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { writeBigCrl } from '../support/big-crl';
import { startHttpFiles } from '../support/http-files';
import { OpensslCa } from '../support/openssl-ca';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

/** What the bench measured. */
export interface RevocationFigures {
  targets: number;
  crlShards: number;
  /** Median wall time of a steady cycle, in ms. */
  offMs: number;
  coldMs: number;
  warmMs: number;
  /** HTTP requests of one cold and one warm cycle (CRLs; OCSP goes to openssl). */
  coldCrlFetches: number;
  warmCrlFetches: number;
  bigCrlBytes: number;
  /** inspect over the 50 MB CRL and over a 50 KB one: wall time and peak RSS of the process. */
  big: { ms: number; maxRssKb: number };
  small: { ms: number; maxRssKb: number };
}

const ROUNDS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timedMs(step: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await step();
  return performance.now() - start;
}

function inspect(dir: string, chain: string, caPath: string): Promise<{ ms: number; maxRssKb: number }> {
  const start = performance.now();
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'max-rss.cjs')}`,
    CERTWATCH_PROBE_TIMEOUT_MS: '300000',
  };
  const bin = join(__dirname, '..', '..', 'bin', 'certwatch.js');
  const args = [
    bin,
    'inspect',
    chain,
    '--ca',
    caPath,
    '--revocation',
    'crl',
    '--revocation-max-bytes',
    String(128 << 20),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: 300_000 }, (_error, _stdout, stderr) => {
      const rss = /certwatch-max-rss-kb=(\d+)/.exec(stderr);
      if (!rss) reject(new Error(`inspect failed: ${stderr}`));
      else resolve({ ms: performance.now() - start, maxRssKb: Number(rss[1]) });
    });
  });
}

/** Runs the revocation bench: `targets` loopback endpoints, their leaves spread over `crlShards` CRLs. */
export async function runRevocationBench(targetCount = 24, crlShards = 4): Promise<RevocationFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-revocation-bench-'));
  const http = await startHttpFiles();
  const embedded = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-revocation-bench' });
  const servers: SmtpTestServer[] = [];
  const root = OpensslCa.create(join(dir, 'root'), { name: 'Bench Root' });
  const ca = OpensslCa.create(join(dir, 'ca'), {
    name: 'Bench Issuing',
    parent: root,
    crlUrls: [http.url('/root.crl')],
  });
  let responder = await ca.startResponder({ path: '/wr2' });
  try {
    for (let i = 0; i < targetCount; i++) {
      const leaf = ca.issue({
        name: 'mx.bench.example',
        crlUrls: [http.url(`/wr2/shard-${i % crlShards}.crl`)],
        ocspUrl: responder.url,
      });
      servers.push(
        await startSmtpTestServer({
          certs: [{ keyPem: readFileSync(leaf.keyPath, 'utf8'), chainPem: leaf.certPem + ca.cert.certPem }],
        }),
      );
    }
    responder = await restart(ca, responder);
    const crl = ca.crl({ hours: 72 });
    for (let s = 0; s < crlShards; s++) http.set(`/wr2/shard-${s}.crl`, { bytes: crl });
    http.set('/root.crl', { bytes: root.crl({ hours: 72 }) });

    const targets = parseTargets(servers.map((s) => `smtp://127.0.0.1:${s.port}`));
    const base: ProbeOptions = {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: ['ecdsa'],
      servername: 'mx.bench.example',
      extraAnchorsDer: [root.cert.der],
    };
    const on = { ...base, revocation: { methods: ['crl', 'ocsp'] as const, maxCrlBytes: 64 << 20 } };
    const store = dynamoHistoryStore({ client: embedded.client, tableName: embedded.tableName });
    const publisher = new ConsolePublisher({ write: () => true } as never);
    const cycle = (options: ProbeOptions, cache: RevocationCache) =>
      timedMs(() =>
        runWatchCycle(
          { prober: new SmtpProber(undefined, undefined, cache), store, publisher },
          { targets, probeOptions: options, now: new Date() },
        ),
      );
    await cycle(base, new MemoryRevocationCache());
    await cycle(on, store);
    const off: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    let coldCrlFetches = 0;
    let warmCrlFetches = 0;
    // Interleaved rounds, medians: the machine's load moves while the bench runs.
    for (let round = 0; round < ROUNDS; round++) {
      off.push(await cycle(base, new MemoryRevocationCache()));
      let fetched = http.requests.length;
      cold.push(await cycle(on, new MemoryRevocationCache()));
      coldCrlFetches = http.requests.length - fetched;
      fetched = http.requests.length;
      warm.push(await cycle(on, store));
      warmCrlFetches = http.requests.length - fetched;
    }

    // The 50 MB CRL, through the real CLI in a child process.
    const big = ca.issue({ name: 'big.bench.example', crlUrls: [http.url('/big.crl')] });
    const small = ca.issue({ name: 'small.bench.example', crlUrls: [http.url('/small.crl')] });
    const figures: Record<'big' | 'small', { ms: number; maxRssKb: number }> = {} as never;
    for (const [name, leaf, entries] of [
      ['small', small, 1_000],
      ['big', big, 1_048_576],
    ] as const) {
      const file = join(dir, `${name}.crl`);
      writeBigCrl({
        caDer: ca.cert.der,
        caKeyPath: ca.cert.keyPath,
        entries,
        include: [Buffer.from(serialOctets(leaf.der))],
        thisUpdate: new Date(Date.now() - 60_000),
        nextUpdate: new Date(Date.now() + 86_400_000),
        out: file,
      });
      http.set(`/${name}.crl`, { file });
      const chain = join(dir, `${name}.pem`);
      writeFileSync(chain, leaf.certPem + ca.cert.certPem);
      figures[name] = await inspect(dir, chain, root.cert.certPath);
    }
    return {
      targets: targetCount,
      crlShards,
      offMs: median(off),
      coldMs: median(cold),
      warmMs: median(warm),
      coldCrlFetches,
      warmCrlFetches,
      bigCrlBytes: statSync(join(dir, 'big.crl')).size,
      big: figures.big,
      small: figures.small,
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await responder.close();
    await http.close();
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function restart(ca: OpensslCa, responder: Awaited<ReturnType<OpensslCa['startResponder']>>) {
  await responder.close();
  return ca.startResponder({ path: '/wr2', port: responder.port, validityMinutes: 3 * 24 * 60 });
}
