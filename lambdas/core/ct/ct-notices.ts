/**
 * The CT step's notices, from what issuance decided and what each log's reading left (docs/ct.md
 * "Notices"): CERTIFICATE_ISSUED, UNEXPECTED_ISSUER, POLICY_FORECAST, CT_LOG_INCONSISTENT (once per
 * incident) and CT_LOG_BEHIND (once per lag past a day). Pure: `now` injected, the store read beforehand.
 */
import { createNotice, type Notice } from '../notice';
import { CERTIFICATE_ISSUED } from '../notices/types/certificate-issued';
import { CT_LOG_BEHIND } from '../notices/types/ct-log-behind';
import { CT_LOG_INCONSISTENT } from '../notices/types/ct-log-inconsistent';
import { POLICY_FORECAST } from '../notices/types/policy-forecast';
import { UNEXPECTED_ISSUER } from '../notices/types/unexpected-issuer';
import type { PolicySet } from '../policy/model';
import { type ForecastTarget, forecast } from './forecast';
import type { IssuanceEvent } from './issuance';
import type { IssuedCert } from './issued';
import { BEHIND_AFTER_MS, type CtLogState } from './log-state';

/** The facts every CT certificate notice carries. */
export function loggedFacts(record: IssuedCert, targets: readonly string[]) {
  return {
    linkKey: record.linkKey,
    names: record.dnsNames,
    hosts: record.hosts,
    targets: [...targets],
    subject: record.subject,
    issuer: record.issuer,
    operator: record.operator,
    root: record.root,
    serial: record.serial,
    notBefore: record.notBefore,
    notAfter: record.notAfter,
    keyAlgorithm: record.keyAlgorithm,
    spkiSha256: record.spkiSha256,
    precertificate: record.sha256 === null,
    sha256: record.sha256,
    logs: record.logs.map((l) => ({
      log: l.log,
      logId: l.logId,
      index: l.index,
      timestamp: l.timestamp,
      form: l.form,
    })),
    loggedAt: record.loggedAt,
  };
}

/** The notices of issuance events. */
export function issuanceNotices(events: readonly IssuanceEvent[], now: Date): Notice[] {
  return events.map((event) => {
    const target = event.targets.length === 1 ? event.targets[0] : null;
    const facts = loggedFacts(event.record, event.targets);
    if (event.type === 'CERTIFICATE_ISSUED') {
      return createNotice({
        type: 'CERTIFICATE_ISSUED',
        dedupeKey: CERTIFICATE_ISSUED.key(event.record.linkKey),
        target,
        hosts: event.record.hosts,
        at: now,
        facts,
      });
    }
    return createNotice({
      type: 'UNEXPECTED_ISSUER',
      dedupeKey: UNEXPECTED_ISSUER.key(event.record.linkKey),
      target,
      hosts: event.record.hosts,
      at: now,
      facts: { ...facts, seen: event.hosts.map((h) => ({ host: h.host, operators: h.seen })) },
    });
  });
}

/**
 * POLICY_FORECAST for records not yet served, per target whose policies would refuse them: once per
 * form (with the certificate digest again once the final certificate is logged). Returns the records
 * with the notices marked in `noticed`.
 */
export function forecastNotices(
  set: PolicySet | undefined,
  records: readonly IssuedCert[],
  targetsOf: (record: IssuedCert) => ForecastTarget[],
  now: Date,
): { records: IssuedCert[]; notices: Notice[] } {
  if (!set) return { records: [...records], notices: [] };
  const notices: Notice[] = [];
  const out = records.map((record) => {
    if (record.servedAt !== null) return record;
    const marks: string[] = [];
    const targets = targetsOf(record);
    for (const target of targets) {
      const verdict = forecast(set, record, record.chain, target);
      if (!verdict || verdict.failures.length === 0) continue;
      const form = record.sha256 === null ? 'precertificate' : 'certificate';
      const key = POLICY_FORECAST.key(target.url, record.linkKey, form);
      if (record.noticed.includes(key)) continue;
      marks.push(key);
      notices.push(
        createNotice({
          type: 'POLICY_FORECAST',
          dedupeKey: key,
          target: target.url,
          hosts: [target.host],
          at: now,
          facts: {
            ...loggedFacts(
              record,
              targets.map((t) => t.url),
            ),
            target: target.url,
            policies: verdict.policies,
            failures: verdict.failures,
          },
        }),
      );
    }
    return marks.length === 0 ? record : { ...record, noticed: [...record.noticed, ...marks] };
  });
  return { records: out, notices };
}

/**
 * A log's state after its reading, with the behind incident opened or closed, and its notices:
 * CT_LOG_INCONSISTENT when an incident began this cycle, CT_LOG_BEHIND when the lag passed a day.
 */
export function logNotices(
  previous: CtLogState | null,
  state: CtLogState,
  now: Date,
): { state: CtLogState; notices: Notice[] } {
  const notices: Notice[] = [];
  const base = { logId: state.logId, log: state.name, url: state.url, protocol: state.protocol };
  if (state.inconsistent && previous?.inconsistent?.incident !== state.inconsistent.incident) {
    notices.push(
      createNotice({
        type: 'CT_LOG_INCONSISTENT',
        dedupeKey: CT_LOG_INCONSISTENT.key(state.logId, state.inconsistent.incident),
        target: null,
        hosts: [],
        at: now,
        facts: {
          ...base,
          incident: state.inconsistent.incident,
          reason: state.inconsistent.reason,
          since: state.inconsistent.since,
          position: state.position,
          verifiedSize: state.head?.size ?? null,
        },
      }),
    );
  }
  let next = state;
  const lagMs = now.getTime() - Date.parse(state.caughtUpAt);
  if (lagMs <= 0) next = { ...next, behind: null };
  else if (!state.inconsistent && lagMs >= BEHIND_AFTER_MS && !state.behind) {
    const incident = state.behindIncidents + 1;
    next = { ...next, behind: { incident, since: now.toISOString() }, behindIncidents: incident };
    notices.push(
      createNotice({
        type: 'CT_LOG_BEHIND',
        dedupeKey: CT_LOG_BEHIND.key(state.logId, incident),
        target: null,
        hosts: [],
        at: now,
        facts: {
          ...base,
          incident,
          caughtUpAt: state.caughtUpAt,
          lagHours: Math.round(lagMs / 360_000) / 10,
          position: state.position,
          verifiedSize: state.head?.size ?? null,
          lastError: state.lastError ? { code: state.lastError.code, message: state.lastError.message } : null,
        },
      }),
    );
  }
  return { state: next, notices };
}
