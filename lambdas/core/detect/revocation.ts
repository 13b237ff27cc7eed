/**
 * Revocation (docs/revocation.md "Notices"): CERTIFICATE_REVOKED once per certificate and target when a
 * trusted answer says so, then a reminder each UTC day it is still served; REVOCATION_UNKNOWN when a leaf
 * that names a source has had no trusted answer in any cycle for 24 hours. Only certificates served this
 * cycle with a verdict are judged: with revocation off (no verdicts) nothing changes, and an unobserved
 * leaf keeps its streak as it was. The record is written only when what it remembers changes.
 */
import type { CertRecord, RevocationRecord } from '../history';
import type { Revocation } from '../revocation/model';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import type { ServedCert } from './served';

/** A day of wall time: how long a leaf stays unknown before REVOCATION_UNKNOWN. */
export const UNKNOWN_FOR_MS = 86_400_000;

const RANK = { revoked: 3, good: 2, unknown: 1, none: 0 } as const;

/** This cycle's verdict on a certificate: the strongest its observations carry (revoked, good, unknown, none). */
function cycleVerdict(served: ServedCert): Revocation | null {
  let best: Revocation | null = null;
  for (const observation of served.observations) {
    const verdict = observation.chain.find((c) => c.sha256 === served.cert.sha256)?.revocation;
    if (verdict && (best === null || RANK[verdict.status] > RANK[best.status])) best = verdict;
  }
  return best;
}

function remember(ctx: DetectContext, record: CertRecord, next: RevocationRecord): void {
  const before = JSON.stringify(record.revocation ?? {});
  if (JSON.stringify(next) === before) return;
  record.revocation = Object.keys(next).length > 0 ? next : undefined;
  if (record.revocation === undefined) delete record.revocation;
  touch(ctx, record);
}

/** Raises the revocation notices of this cycle. */
export function checkRevocation(ctx: DetectContext): void {
  const today = ctx.nowIso.slice(0, 10);
  for (const [sha, served] of ctx.served.certs) {
    const record = ctx.records.get(sha);
    const verdict = cycleVerdict(served);
    if (!record || !verdict) continue;
    const memory: RevocationRecord = { ...(record.revocation ?? {}) };
    if (verdict.status === 'revoked') {
      delete memory.unknownSince;
      delete memory.unknownNoticed;
      const first = memory.revokedNoticedAt === undefined;
      if (first || (memory.revokedNoticedDay ?? '') < today) {
        memory.revokedNoticedAt ??= ctx.nowIso;
        memory.revokedNoticedDay = today;
        raise(ctx, 'CERTIFICATE_REVOKED', first ? [sha] : [sha, today], {
          keyType: served.keyType,
          cert: certFacts(ctx, record),
          revokedAt: verdict.revokedAt ?? null,
          reason: verdict.reason ?? 'unspecified',
          source: verdict.source ?? 'crl',
          url: verdict.url,
          addresses: sortedAddresses(served.addresses),
          firstNoticedAt: memory.revokedNoticedAt,
          reminderDay: first ? null : today,
        });
      }
    } else if (verdict.status === 'unknown' && served.role === 'leaf' && verdict.error?.code !== 'NOT_VALIDATED') {
      memory.unknownSince ??= ctx.nowIso;
      const long = ctx.now.getTime() - Date.parse(memory.unknownSince) >= UNKNOWN_FOR_MS;
      if (long && !memory.unknownNoticed) {
        memory.unknownNoticed = true;
        raise(ctx, 'REVOCATION_UNKNOWN', [sha, memory.unknownSince], {
          keyType: served.keyType,
          cert: certFacts(ctx, record),
          since: memory.unknownSince,
          error: verdict.error ?? { code: 'NO_USABLE_SOURCE', message: 'no trusted answer' },
          addresses: sortedAddresses(served.addresses),
        });
      }
    } else {
      // A trusted good, no source named, or a chain not validated (its own notice tells that): the streak
      // of unknowns (if any) is over.
      delete memory.unknownSince;
      delete memory.unknownNoticed;
    }
    remember(ctx, record, memory);
  }
}
