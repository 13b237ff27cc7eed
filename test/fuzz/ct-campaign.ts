/**
 * The CT campaign: seeded worlds of two test logs (one per protocol) on loopback growing with other CAs'
 * entries and with certificates for the watched hosts (precertificate in one or both logs, sometimes the
 * final certificate too, sometimes a wildcard, sometimes a decoy name that only contains a watched one),
 * the RFC 6962 log publishing heads at random, transient faults (a hung log, a truncated data tile, HTTP
 * 503), small per-run bounds, and runs cut at a random write (after the outbox, or after some records or
 * log positions) and started again from the store. At the end every fault is cleared and the step runs
 * until every log is read to its head; then each certificate for a watched host must have exactly one
 * CERTIFICATE_ISSUED in the outbox, and nothing else must have one.
 */
import { createHash } from 'node:crypto';
import { ctLogsSource } from '../../lambdas/core/ct/logs-setting';
import { certificateTbs, linkKey } from '../../lambdas/core/ct/tbs';
import type { HistoryStore } from '../../lambdas/core/ports';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTarget } from '../../lambdas/core/targets';
import { runCtStep } from '../../lambdas/ct/ct-step';
import { openCtHttp } from '../../lambdas/ct/http';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { type CtCa, leafKey, openCtCa } from '../support/ct-certs';
import { issueThroughLogs, startCtLogServer, TestCtLog } from '../support/ct-log';
import { createRoot, issue } from '../support/pki';
import { Rng } from './prng';

/** One world's figures. */
export interface CtWorldResult {
  seed: number;
  runs: number;
  /** Runs cut at a write, and runs of which a log failed (a fault). */
  crashes: number;
  failedReads: number;
  entries: number;
  /** Certificates issued for watched hosts (each must be announced once). */
  expected: number;
  announced: number;
  missed: string[];
  duplicated: string[];
  unexpected: string[];
}

/** The campaign's figures. */
export interface CtCampaignResult {
  worlds: CtWorldResult[];
  runs: number;
  crashes: number;
  entries: number;
  expected: number;
  missed: number;
  duplicated: number;
  unexpected: number;
}

class Crash extends Error {}

const TARGETS = ['smtp://mx.camp.example:25', 'smtps://smtp.camp.example:465'].map((t) => parseTarget(t));

/** A store that dies at its `crashAt`-th write of the CT step (outbox, records, log positions). */
function crashing(store: HistoryStore, crashAt: number | null): HistoryStore {
  let writes = 0;
  const hit = () => {
    writes += 1;
    if (crashAt !== null && writes >= crashAt) throw new Crash(`cut at write ${writes}`);
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name === 'recordNotices' || name === 'saveIssued' || name === 'saveCtLogState') {
        return async (...args: unknown[]) => {
          hit();
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Runs one world. */
export async function runCtWorld(seed: number, options: { steps: number; certs: number }): Promise<CtWorldResult> {
  const rng = new Rng(seed);
  let clock = Date.parse('2026-05-01T00:00:00Z');
  const root = await createRoot({ name: `Campaign Root ${seed}`, keyType: 'ecdsa' });
  const intermediate = await issue(root, { name: `Campaign CA ${seed}`, isCa: true, keyType: 'ecdsa' });
  const chain = [intermediate.der, root.der];
  const ca: CtCa = openCtCa(intermediate);
  const logs = [
    new TestCtLog({ name: 'rfc', protocol: 'rfc6962', now: () => clock }),
    new TestCtLog({ name: 'tiles', protocol: 'static-ct', now: () => clock }),
  ];
  for (const log of logs) {
    log.addFiller(rng.range(0, 300), () => rng.float());
    log.publish();
  }
  const server = await startCtLogServer(logs, { maxBatch: rng.range(8, 64) });
  const embedded = await startEmbeddedStore({ inMemory: true });
  const expected = new Set<string>();
  let issued = 0;
  let serial = 0x100;
  const result: CtWorldResult = {
    seed,
    runs: 0,
    crashes: 0,
    failedReads: 0,
    entries: 0,
    expected: 0,
    announced: 0,
    missed: [],
    duplicated: [],
    unexpected: [],
  };

  const step = async (crashAt: number | null, bounds: { maxEntries: number; timeoutMs: number }) => {
    const http = openCtHttp();
    result.runs += 1;
    try {
      const done = await runCtStep(
        {
          source: ctLogsSource(server.listUrl),
          listKeyPem: server.listKeyPem,
          backfill: 0,
          maxEntries: bounds.maxEntries,
          maxBytes: 64 * 1024 * 1024,
          expectIssuers: [],
          requestTimeoutMs: bounds.timeoutMs,
          parallelPerLog: rng.range(1, 4),
        },
        {
          store: crashing(embedded.store, crashAt),
          targets: TARGETS,
          probeOptions: DEFAULT_PROBE_OPTIONS,
          now: new Date(clock),
          deadline: Date.now() + 60_000,
          http,
        },
      );
      result.entries += done.logs.reduce((sum, l) => sum + l.entries, 0);
      result.failedReads += done.logs.filter((l) => l.outcome !== 'ok').length;
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
      result.crashes += 1;
    } finally {
      http.close();
    }
    clock += 15 * 60_000;
  };

  try {
    await step(null, { maxEntries: 100_000, timeoutMs: 5000 }); // the logs are met
    for (let s = 0; s < options.steps; s++) {
      const action = rng.weighted([
        ['filler', 4],
        ['issue', issued < options.certs ? 3 : 0],
        ['publish', 2],
        ['fault', 1],
        ['run', 4],
      ] as const);
      if (action === 'filler') {
        const log = rng.pick(logs);
        log.addFiller(rng.range(1, 400), () => rng.float());
      } else if (action === 'issue') {
        issued += 1;
        serial += 1;
        const kind = rng.weighted([
          ['exact', 4],
          ['wildcard', 1],
          ['decoy', 1],
        ] as const);
        const names =
          kind === 'exact'
            ? [rng.pick(['mx.camp.example', 'smtp.camp.example'])]
            : kind === 'wildcard'
              ? ['*.camp.example']
              : ['notmx.camp.example', 'smtp.camp.example.evil.test'];
        const into = rng.chance(0.5) ? logs : [rng.pick(logs)];
        const made = issueThroughLogs(
          ca,
          chain,
          {
            names,
            serial: serial.toString(16),
            notBefore: new Date(clock - 3_600_000),
            notAfter: new Date(clock + 60 * 86_400_000),
          },
          leafKey(),
          into,
        );
        if (rng.chance(0.4)) rng.pick(logs).addCertificate(made.certificate, chain);
        if (kind !== 'decoy') expected.add(linkKey(certificateTbs(made.certificate)));
      } else if (action === 'publish') {
        logs[0].publish();
      } else if (action === 'fault') {
        const log = rng.pick(logs);
        const fault = rng.pick(['hang', 'truncate', 'status'] as const);
        if (fault === 'hang') log.faults.hang = true;
        else if (fault === 'status') log.faults.status = 503;
        else if (log.protocol === 'static-ct') log.faults.dataTile = 'truncate';
        await step(null, { maxEntries: rng.range(64, 2000), timeoutMs: 400 });
        log.faults = {};
      } else {
        const crashAt = rng.chance(0.4) ? rng.range(1, 6) : null;
        await step(crashAt, { maxEntries: rng.range(64, 2000), timeoutMs: 5000 });
      }
    }
    // Everything published, no fault: read until every log is at its head.
    logs[0].publish();
    for (let tries = 0; tries < 200; tries++) {
      await step(null, { maxEntries: 2000, timeoutMs: 5000 });
      const states = await embedded.store.loadCtLogStates();
      const done = logs.every((log) => states.find((st) => st.name === log.name)?.position === log.size);
      if (done) break;
    }

    const notices = (await embedded.store.listNotices()).filter((n) => n.notice.type === 'CERTIFICATE_ISSUED');
    const announced = notices.map((n) => (n.notice.facts as { linkKey: string }).linkKey);
    const counts = new Map<string, number>();
    for (const key of announced) counts.set(key, (counts.get(key) ?? 0) + 1);
    result.expected = expected.size;
    result.announced = counts.size;
    result.missed = [...expected].filter((k) => !counts.has(k));
    result.duplicated = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
    result.unexpected = [...counts.keys()].filter((k) => !expected.has(k));
    return result;
  } finally {
    await server.close();
    await embedded.close();
    ca.close();
  }
}

/** Runs `worlds` seeded worlds. */
export async function runCtCampaign(options: {
  seed: number;
  worlds: number;
  steps: number;
  certs: number;
  onWorld?: (r: CtWorldResult) => void;
}): Promise<CtCampaignResult> {
  const worlds: CtWorldResult[] = [];
  for (let w = 0; w < options.worlds; w++) {
    const seed = Number.parseInt(createHash('sha256').update(`${options.seed}/ct/${w}`).digest('hex').slice(0, 8), 16);
    const world = await runCtWorld(seed, options);
    options.onWorld?.(world);
    worlds.push(world);
  }
  const sum = (f: (w: CtWorldResult) => number) => worlds.reduce((s, w) => s + f(w), 0);
  return {
    worlds,
    runs: sum((w) => w.runs),
    crashes: sum((w) => w.crashes),
    entries: sum((w) => w.entries),
    expected: sum((w) => w.expected),
    missed: sum((w) => w.missed.length),
    duplicated: sum((w) => w.duplicated.length),
    unexpected: sum((w) => w.unexpected.length),
  };
}
