/**
 * Events to mark on the timeline: the notices given, plus certificate events read back from the records
 * for whatever the notices do not cover (sent notices may have left the outbox; the records keep
 * firstSeen, retiredAt, the thresholds warned and the conditions noticed).
 */

import { DAY_MS } from '../core/days';
import { type CertRecord, effectiveLastSeen, type TargetHistory } from '../core/history';
import { NOTICE_SEVERITY, type NoticeType, type Severity } from '../core/notice';
import type { KeyType } from '../core/observation';
import type { TimelineNotice } from './model';

/** One event on one target (a notice about several targets becomes one event per target). */
export interface TimelineEvent {
  /** What makes two events the same: type, target, key type, certificate and detail. */
  identity: string;
  type: NoticeType;
  severity: Severity;
  target: string;
  keyType: KeyType | null;
  sha256: string | null;
  at: number;
  subject: string;
  derived: boolean;
}

function identity(type: NoticeType, target: string, keyType: KeyType | null, sha: string | null, detail = ''): string {
  return [type, target, keyType ?? '', sha ?? '', detail].join('|');
}

function event(
  type: NoticeType,
  target: string,
  at: number,
  subject: string,
  derived: boolean,
  keyType: KeyType | null = null,
  sha256: string | null = null,
  detail = '',
): TimelineEvent {
  return {
    identity: identity(type, target, keyType, sha256, detail),
    type,
    severity: NOTICE_SEVERITY[type],
    target,
    keyType,
    sha256,
    at,
    subject,
    derived,
  };
}

type Facts = {
  keyType?: unknown;
  cert?: { sha256?: unknown };
  thresholdDays?: unknown;
  error?: { code?: unknown };
  targets?: Array<{ target?: unknown }>;
};

/** Events of the notices; notices about no target (TEST, HEARTBEAT) are not drawn. */
export function eventsFromNotices(notices: readonly TimelineNotice[]): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const notice of notices) {
    const at = Date.parse(notice.at);
    if (!Number.isFinite(at)) continue;
    const facts = (notice.facts ?? {}) as Facts;
    if (notice.type === 'BASELINE') {
      for (const t of facts.targets ?? []) {
        if (typeof t.target === 'string') events.push(event('BASELINE', t.target, at, notice.subject, false));
      }
      continue;
    }
    // A notice about a leaf several targets share is drawn on each of them.
    const shared = (facts.targets ?? []).flatMap((t) => (typeof t.target === 'string' ? [t.target] : []));
    const targets = notice.target ? [notice.target] : shared;
    if (targets.length === 0) continue;
    const keyType = facts.keyType === 'rsa' || facts.keyType === 'ecdsa' ? facts.keyType : null;
    const sha = typeof facts.cert?.sha256 === 'string' ? facts.cert.sha256 : null;
    const detail =
      notice.type === 'EXPIRY_WARNING'
        ? String(facts.thresholdDays ?? '')
        : notice.type === 'CHAIN_INVALID'
          ? String(facts.error?.code ?? '')
          : '';
    for (const target of targets)
      events.push(event(notice.type, target, at, notice.subject, false, keyType, sha, detail));
  }
  return events;
}

/** Settings the derivation needs (the watch configuration's). */
export interface DeriveOptions {
  thresholdsDays: readonly number[];
  rotationOverdueShare: number;
}

/** Certificate events reconstructed from the leaf records of each target. */
export function eventsFromHistory(
  histories: ReadonlyMap<string, TargetHistory>,
  options: DeriveOptions,
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const [target, history] of histories) {
    const leaves = history.certs.filter((c) => c.role === 'leaf');
    if (leaves.length === 0) continue;
    const first = Math.min(...leaves.map((c) => Date.parse(c.firstSeen)));
    events.push(event('BASELINE', target, first, 'baseline recorded (from history)', true));
    for (const cert of leaves) events.push(...certEvents(cert, history, first, options));
  }
  return events;
}

function certEvents(
  cert: CertRecord,
  history: TargetHistory,
  baselineAt: number,
  options: DeriveOptions,
): TimelineEvent[] {
  const { target, keyType, sha256 } = cert;
  const seen = Date.parse(cert.firstSeen);
  const lastSeen = Date.parse(effectiveLastSeen(cert, history.state));
  const notBefore = Date.parse(cert.notBefore);
  const notAfter = Date.parse(cert.notAfter);
  const short = sha256.slice(0, 8);
  const make = (type: NoticeType, at: number, what: string, detail = '') =>
    event(type, target, at, `${what} ${short} (from history)`, true, keyType, sha256, detail);
  const events: TimelineEvent[] = [];
  if (seen > baselineAt) events.push(make('NEW_CERTIFICATE', seen, `new ${keyType} certificate`));
  if (cert.retiredAt) events.push(make('CERTIFICATE_RETIRED', Date.parse(cert.retiredAt), 'retired'));

  // Thresholds already behind at first sight gave one warning, for the nearest of them.
  const crossings = cert.warned
    .filter((days) => options.thresholdsDays.includes(days))
    .map((days) => ({ days, at: notAfter - days * DAY_MS }))
    .filter((c) => c.at <= lastSeen);
  const atFirstSight = crossings.filter((c) => c.at <= seen);
  if (atFirstSight.length > 0) {
    const days = Math.min(...atFirstSight.map((c) => c.days));
    events.push(make('EXPIRY_WARNING', seen, `${days} days to expiry`, String(days)));
  }
  for (const c of crossings.filter((c) => c.at > seen)) {
    events.push(make('EXPIRY_WARNING', c.at, `${c.days} days to expiry`, String(c.days)));
  }

  for (const noticed of cert.noticed) {
    const [type, detail = ''] = noticed.split(':') as [NoticeType, string?];
    if (type === 'EXPIRED') events.push(make('EXPIRED', Math.max(seen, notAfter), 'expired'));
    else if (type === 'ROTATION_OVERDUE') {
      const due = notBefore + options.rotationOverdueShare * (notAfter - notBefore);
      events.push(make('ROTATION_OVERDUE', Math.max(seen, due), 'rotation overdue'));
    } else if (type === 'CHAIN_INVALID') events.push(make('CHAIN_INVALID', seen, `invalid chain ${detail}`, detail));
    else if (type === 'HOSTNAME_MISMATCH') events.push(make('HOSTNAME_MISMATCH', seen, 'hostname mismatch'));
  }
  return events;
}

/** The notices' events, plus the derived ones no notice stands for; sorted by time. */
export function mergeEvents(fromNotices: readonly TimelineEvent[], derived: readonly TimelineEvent[]): TimelineEvent[] {
  const known = new Set(fromNotices.map((e) => e.identity));
  const merged = [...fromNotices, ...derived.filter((e) => !known.has(e.identity))];
  return merged.sort((a, b) => a.at - b.at || a.type.localeCompare(b.type));
}
