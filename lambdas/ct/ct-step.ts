/**
 * The Certificate Transparency step of a run (docs/ct.md): the log list, every followed log read from its
 * stored position within the step's deadline, the verified matches recorded as issued certificates, and
 * the notices. Order of writes, for exactly-once: notices go to the outbox first, then the issued
 * certificates, then the logs' positions — a step cut anywhere is redone by the next run from the old
 * positions, finding the same certificates and the same dedupe keys.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { chainSummary } from '../core/ct/chain-summary';
import { forecastNotices, issuanceNotices, logNotices } from '../core/ct/ct-notices';
import type { CtStore } from '../core/ct/ct-store';
import type { ForecastTarget } from '../core/ct/forecast';
import { detectIssuance, type HostHistory } from '../core/ct/issuance';
import type { IssuanceMatch, IssuedCert } from '../core/ct/issued';
import type { CtLogInfo } from '../core/ct/log-list';
import type { CtLogState } from '../core/ct/log-state';
import type { CtLogsSource } from '../core/ct/logs-setting';
import { HostMatcher } from '../core/ct/matcher';
import { normalizeHost } from '../core/ct/names';
import type { Notice } from '../core/notice';
import type { HistoryStore } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import type { Target } from '../core/targets';
import { derToPem } from '../core/x509/pem';
import { type CtHttp, openCtHttp } from './http';
import { loadLogList } from './log-list-source';
import type { LogSource, SourceContext } from './log-source';
import { type LogTail, tailLogs } from './tail';

/** How the step reads (the settings table's ct* entries, docs/settings.md). */
export interface CtSettings {
  source: CtLogsSource;
  /** Entries to read back on a log's first meeting. */
  backfill: number;
  /** Per log and run: entries and bytes at most. */
  maxEntries: number;
  maxBytes: number;
  /** CA operators or roots expected for the watched hosts. */
  expectIssuers: readonly string[];
  /** PEM key a list URL's signature must verify with (default Google's). */
  listKeyPem?: string;
  /** Deadline of each request (default 20 s). */
  requestTimeoutMs?: number;
  /** Logs read at once, and requests in flight per log (defaults 4 and 4). */
  parallelLogs?: number;
  parallelPerLog?: number;
}

/** What the step is given by the run. */
export interface CtStepInput {
  store: HistoryStore;
  targets: readonly Target[];
  probeOptions: ProbeOptions;
  now: Date;
  /** Epoch milliseconds by which the step must be over. */
  deadline: number;
  /** Tests: open sources their own way, or use this transport. */
  open?: (log: CtLogInfo, context: SourceContext) => LogSource;
  http?: CtHttp;
}

/** One log's line for reports and `certwatch ct`. */
export interface CtLogReport {
  log: string;
  outcome: LogTail['outcome'];
  entries: number;
  wireBytes: number;
  position: number;
  verifiedSize: number | null;
  error: string | null;
}

/** What the step did. */
export interface CtStepResult {
  notices: Notice[];
  logs: CtLogReport[];
  /** The list's warning (a cached copy used), or null. */
  warning: string | null;
  summary: string;
}

/** The probes' trust set as PEM for https (Node's own roots when the set is Node's). */
async function trustPem(options: ProbeOptions): Promise<string[] | undefined> {
  const extra = (options.extraAnchorsDer ?? []).map((der) => derToPem(der));
  if (options.trust === 'google') {
    // Loaded only for this set: the trust stores bring pkijs, which the CT reader needs for nothing else.
    const { googleRootsPath } = await import('../trust/trust-stores.js');
    return [readFileSync(googleRootsPath(), 'utf8'), ...extra];
  }
  if (extra.length === 0) return undefined;
  return [...rootCertificates, ...extra];
}

/** Watched host names (the name a target's certificate must carry) and their targets. */
export function watchedHosts(targets: readonly Target[], options: ProbeOptions): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const t of targets) {
    const host = normalizeHost(options.servername ?? t.host);
    hosts.set(host, [...(hosts.get(host) ?? []), t.url]);
  }
  return hosts;
}

async function histories(store: HistoryStore, hosts: readonly string[], targetsByHost: Map<string, string[]>) {
  const served = new Map<string, HostHistory>();
  for (const host of hosts) {
    const leaves: HostHistory['leaves'] = [];
    for (const target of targetsByHost.get(host) ?? []) {
      const history = await store.loadTarget(target);
      for (const c of history.certs) {
        if (c.role === 'leaf') {
          leaves.push({ target, sha256: c.sha256, issuer: c.issuer, serial: c.serial, firstSeen: c.firstSeen });
        }
      }
    }
    served.set(host, { leaves });
  }
  return served;
}

async function forecastTargets(store: HistoryStore, targets: readonly Target[]) {
  const mx = await store.listMx();
  return (record: IssuedCert): ForecastTarget[] =>
    targets
      .filter((t) => record.hosts.includes(normalizeHost(t.host)))
      .map((t) => ({
        url: t.url,
        host: t.host,
        port: t.port,
        mxDomains: mx.filter((m) => m.hosts.some((h) => h.host === t.host)).map((m) => m.domain),
      }));
}

/** Saves records over their revisions; false when one was written by another run meanwhile. */
async function saveAll(store: CtStore, records: readonly IssuedCert[]): Promise<boolean> {
  let ok = true;
  for (const record of records) ok = (await store.saveIssued(record)) && ok;
  return ok;
}

/** Runs the CT step. Throws only for the list (CT_LIST_UNAVAILABLE, CT_LOG_LIST_INVALID) or the store. */
export async function runCtStep(settings: CtSettings, input: CtStepInput): Promise<CtStepResult> {
  const { store, now } = input;
  const http = input.http ?? openCtHttp({ ca: await trustPem(input.probeOptions) });
  try {
    const timeoutMs = settings.requestTimeoutMs ?? 20_000;
    const loaded = await loadLogList(settings.source, { http, store, now, timeoutMs, keyPem: settings.listKeyPem });
    if (!loaded) return { notices: [], logs: [], warning: null, summary: 'CT off' };
    const targetsByHost = watchedHosts(input.targets, input.probeOptions);
    const matcher = new HostMatcher(targetsByHost.keys());
    const previous = new Map((await store.loadCtLogStates()).map((s) => [s.logId, s] as const));
    const tails = await tailLogs({
      logs: loaded.list.logs,
      states: previous,
      matcher,
      http,
      now,
      bounds: {
        maxEntries: settings.maxEntries,
        maxBytes: settings.maxBytes,
        deadline: input.deadline,
        backfill: settings.backfill,
      },
      timeoutMs,
      parallelLogs: settings.parallelLogs,
      parallelPerLog: settings.parallelPerLog,
      open: input.open,
    });

    const matches: IssuanceMatch[] = tails.flatMap((t) =>
      t.matches.map((m) => ({
        logId: t.log.id,
        log: t.log.name,
        index: m.entry.index,
        timestamp: m.entry.timestamp,
        facts: m.facts,
        hosts: m.hosts,
        chain: chainSummary(m.chain),
      })),
    );
    const issued = new Map((await store.loadIssued()).map((r) => [r.linkKey, r] as const));
    const hosts = [...new Set(matches.flatMap((m) => m.hosts))];
    const issuance = detectIssuance({
      matches,
      issued,
      targetsByHost,
      served: await histories(store, hosts, targetsByHost),
      expectIssuers: settings.expectIssuers,
      now,
    });
    const forecasts = forecastNotices(
      input.probeOptions.policy,
      issuance.records,
      await forecastTargets(store, input.targets),
      now,
    );
    const logs = tails.map((t) => ({ tail: t, ...logNotices(previous.get(t.log.id) ?? null, t.state, now) }));
    const notices = [...logs.flatMap((l) => l.notices), ...issuanceNotices(issuance.events, now), ...forecasts.notices];

    await store.recordNotices(notices, now);
    const saved = await saveAll(store, forecasts.records);
    for (const { tail, state } of logs) {
      // A log whose matches could not all be saved keeps its position: its entries are read again.
      if (!saved && tail.matches.length > 0) continue;
      await store.saveCtLogState(state as CtLogState);
    }

    const reports = logs.map(({ tail, state }) => ({
      log: tail.log.name,
      outcome: tail.outcome,
      entries: tail.entries,
      wireBytes: tail.wireBytes,
      position: state.position,
      verifiedSize: state.head?.size ?? null,
      error: state.lastError ? `${state.lastError.code}: ${state.lastError.message}` : null,
    }));
    const entries = reports.reduce((sum, r) => sum + r.entries, 0);
    const failed = reports.filter((r) => r.outcome !== 'ok').length;
    const summary =
      `CT: ${reports.length} log(s), ${entries} entries read, ${matches.length} match(es), ` +
      `${notices.length} notice(s)${failed > 0 ? `, ${failed} log(s) failed` : ''}`;
    return { notices, logs: reports, warning: loaded.warning, summary };
  } finally {
    if (!input.http) http.close();
  }
}
