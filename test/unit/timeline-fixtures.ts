/**
 * Histories for the timeline tests: small hand-made ones, and a realistic year of Google's six SMTP
 * targets (shared certificate sets, RSA + ECDSA, a rotation every eight weeks rolled out over days,
 * an issuer change, a STARTTLS episode and a certificate near expiry). Plain data, no I/O.
 */
import { createHash } from 'node:crypto';
import type { CertRecord, TargetHistory, TargetState } from '../../lambdas/core/history';
import { NOTICE_SEVERITY, type NoticeType } from '../../lambdas/core/notice';
import type { KeyType } from '../../lambdas/core/observation';
import type { TimelineNotice } from '../../lambdas/timeline/model';

export const DAY = 86_400_000;
export const NOW = new Date('2026-06-01T12:00:00.000Z');

/** NOW plus (or minus) some days, as ISO. */
export function day(offset: number): string {
  return new Date(NOW.getTime() + offset * DAY).toISOString();
}

/** A deterministic fingerprint for a name. */
export function sha(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** A leaf record; dates are day offsets from NOW. */
export function leaf(
  target: string,
  keyType: KeyType,
  name: string,
  o: {
    from: number;
    to: number;
    seen: number;
    last?: number;
    retired?: number;
    issuer?: string;
    warned?: number[];
    noticed?: string[];
  },
): CertRecord {
  return {
    target,
    sha256: sha(name),
    sha1: sha(`sha1:${name}`).slice(0, 40),
    role: 'leaf',
    keyType,
    subject: `CN=${name.split('#')[0]}`,
    issuer:
      o.issuer ??
      (keyType === 'rsa' ? 'C=US, O=Google Trust Services, CN=WR2' : 'C=US, O=Google Trust Services, CN=WE2'),
    serial: sha(`serial:${name}`).slice(0, 16),
    notBefore: day(o.from),
    notAfter: day(o.to),
    sans: [name.split('#')[0]],
    spkiSha256: Buffer.from(sha(`key:${name}`), 'hex').toString('base64'),
    keyAlgorithm: keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256',
    signatureAlgorithm: 'sha256WithRSAEncryption',
    selfSigned: false,
    chain: [sha(name)],
    anchor: null,
    anchorSha256: null,
    firstSeen: day(o.seen),
    lastSeen: day(o.last ?? o.seen),
    addresses: ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
    status: o.retired === undefined ? 'active' : 'retired',
    retiredAt: o.retired === undefined ? null : day(o.retired),
    warned: o.warned ?? [],
    noticed: o.noticed ?? [],
    retirements: o.retired === undefined ? 0 : 1,
    rev: 1,
  };
}

/** A target state whose last cycle was at `last` (day offset) serving `current` leaves. */
export function state(
  target: string,
  current: CertRecord[],
  o: { last?: number; starttlsMissing?: boolean } = {},
): TargetState {
  const slots = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].flatMap((address) =>
    current.map((c) => ({ address, keyType: c.keyType, sha256: c.sha256, error: null })),
  );
  return {
    target,
    version: 100,
    lastCycleAt: day(o.last ?? 0),
    cycles: 100,
    slots,
    consecutiveFailures: 0,
    failingNotified: false,
    starttlsOffered: true,
    starttlsMissing: o.starttlsMissing ?? false,
    missing: {},
    evidence: [],
    keyTypes: {},
    raised: [],
  };
}

/** A notice as the timeline reads it. */
export function notice(
  type: NoticeType,
  target: string | null,
  at: number,
  facts: Record<string, unknown> = {},
): TimelineNotice {
  return { type, severity: NOTICE_SEVERITY[type], target, at: day(at), subject: `${type} on ${target}`, facts };
}

const SETS = [
  { name: 'mx.google.com', phase: 20, targets: ['smtp://aspmx.l.google.com:25'] },
  {
    name: 'smtp-relay.gmail.com',
    phase: 38,
    targets: ['smtp://smtp-relay.gmail.com:25', 'smtps://smtp-relay.gmail.com:465', 'smtp://smtp-relay.gmail.com:587'],
  },
  { name: 'smtp.gmail.com', phase: 5, targets: ['smtps://smtp.gmail.com:465', 'smtp://smtp.gmail.com:587'] },
];

/** A year of Google's six targets as of NOW: histories and the notices the watcher sent. */
export function googleYear(): { histories: Map<string, TargetHistory>; notices: TimelineNotice[] } {
  const certs = new Map<string, CertRecord[]>();
  const notices: TimelineNotice[] = [];
  const start = -365;
  for (const set of SETS) {
    for (const keyType of ['ecdsa', 'rsa'] as const) {
      const shift = keyType === 'rsa' ? 1 : 0;
      // Issue dates every 8 weeks; the mx set's last renewal comes late, so its leaf nears expiry now.
      const issued: number[] = [];
      for (let t = start - 40 + set.phase + shift; t <= -10; t += 56) issued.push(t);
      if (set.name === 'mx.google.com') issued[issued.length - 1] = -72 + shift;
      issued.forEach((from, k) => {
        const next = issued[k + 1];
        const seen = Math.max(start, from + 4);
        const last = next === undefined ? 0 : next + 9;
        const issuer =
          set.name === 'smtp.gmail.com' && from < -250 ? 'C=US, O=Google Trust Services LLC, CN=GTS CA 1C3' : undefined;
        const warned = next === undefined ? [21, 14, 7, 3, 1].filter((t) => from + 84 - t <= 0) : [];
        for (const target of set.targets) {
          const record = leaf(target, keyType, `${set.name}#${keyType}#${k}`, {
            from,
            to: from + 84,
            seen,
            last,
            retired: next === undefined ? undefined : last + 0.2,
            issuer,
            warned,
          });
          certs.set(target, [...(certs.get(target) ?? []), record]);
          const facts = { keyType, cert: { sha256: record.sha256 } };
          if (k > 0) notices.push(notice('NEW_CERTIFICATE', target, seen, facts));
          if (next !== undefined) notices.push(notice('CERTIFICATE_RETIRED', target, last + 0.2, facts));
          if (set.name === 'smtp.gmail.com' && k > 0 && issuer === undefined && issued[k - 1] < -250) {
            notices.push(notice('ISSUER_CHANGED', target, seen, facts));
          }
          for (const days of warned) {
            notices.push(notice('EXPIRY_WARNING', target, from + 84 - days, { ...facts, thresholdDays: days }));
          }
        }
      });
    }
  }
  const relay25 = 'smtp://smtp-relay.gmail.com:25';
  notices.push(notice('STARTTLS_MISSING', relay25, -40));
  const histories = new Map<string, TargetHistory>();
  for (const [target, records] of certs) {
    const current = records.filter((r) => r.status === 'active');
    histories.set(target, { state: state(target, current), certs: records });
  }
  notices.push(notice('BASELINE', null, start, { targets: [...certs.keys()].map((target) => ({ target })) }));
  return { histories, notices };
}

/** The same histories moved in time by `ms` (to stand at a real clock's "now"). */
export function shiftHistories(histories: ReadonlyMap<string, TargetHistory>, ms: number): Map<string, TargetHistory> {
  const move = (iso: string) => new Date(Date.parse(iso) + ms).toISOString();
  return new Map(
    [...histories].map(([target, h]) => [
      target,
      {
        state: h.state && { ...h.state, lastCycleAt: h.state.lastCycleAt && move(h.state.lastCycleAt) },
        certs: h.certs.map((c) => ({
          ...c,
          notBefore: move(c.notBefore),
          notAfter: move(c.notAfter),
          firstSeen: move(c.firstSeen),
          lastSeen: move(c.lastSeen),
          retiredAt: c.retiredAt && move(c.retiredAt),
        })),
      },
    ]),
  );
}
