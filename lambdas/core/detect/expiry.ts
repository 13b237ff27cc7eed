/**
 * Time: EXPIRY_WARNING once per threshold crossed, EXPIRED once, ROTATION_OVERDUE once per leaf.
 * Only certificates served this cycle are judged: a retired certificate expiring is nobody's problem.
 */
import { DAY_MS } from '../days';
import type { CertRecord } from '../history';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import type { ServedCert } from './served';

/** Raises the time-based notices for everything served this cycle. */
export function checkExpiry(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    const record = ctx.records.get(sha);
    // A served self-signed root is ignored by clients: its dates do not matter.
    if (!record || record.selfSigned) continue;
    const msLeft = Date.parse(record.notAfter) - ctx.now.getTime();
    if (msLeft <= 0) {
      expired(ctx, record, served);
      continue;
    }
    warnThresholds(ctx, record, served, msLeft / DAY_MS);
    if (record.role === 'leaf') rotationOverdue(ctx, record, served);
  }
}

function expired(ctx: DetectContext, record: CertRecord, served: ServedCert): void {
  if (record.noticed.includes('EXPIRED')) return;
  record.noticed = [...record.noticed, 'EXPIRED'];
  // Every threshold is behind it now: none may fire later.
  record.warned = [...new Set([...record.warned, ...ctx.config.expiryThresholdsDays])].sort((a, b) => b - a);
  touch(ctx, record);
  raise(ctx, 'EXPIRED', [record.sha256], {
    keyType: served.keyType,
    cert: certFacts(ctx, record),
    addresses: sortedAddresses(served.addresses),
  });
}

function warnThresholds(ctx: DetectContext, record: CertRecord, served: ServedCert, daysLeft: number): void {
  const crossed = ctx.config.expiryThresholdsDays.filter((t) => daysLeft <= t);
  const fresh = crossed.filter((t) => !record.warned.includes(t));
  if (fresh.length === 0) return;
  // Several thresholds crossed at once (first sight, or a long gap) give one notice, for the nearest.
  const threshold = Math.min(...fresh);
  record.warned = [...new Set([...record.warned, ...crossed])].sort((a, b) => b - a);
  touch(ctx, record);
  raise(ctx, 'EXPIRY_WARNING', [record.sha256, threshold], {
    keyType: served.keyType,
    cert: certFacts(ctx, record),
    thresholdDays: threshold,
    addresses: sortedAddresses(served.addresses),
  });
}

function rotationOverdue(ctx: DetectContext, record: CertRecord, served: ServedCert): void {
  if (record.noticed.includes('ROTATION_OVERDUE')) return;
  const start = Date.parse(record.notBefore);
  const lifetime = Date.parse(record.notAfter) - start;
  if (lifetime <= 0) return;
  const share = (ctx.now.getTime() - start) / lifetime;
  if (share < ctx.config.rotationOverdueShare) return;
  const successor = [...ctx.records.values()].some(
    (r) =>
      r.role === 'leaf' && r.keyType === record.keyType && r.sha256 !== record.sha256 && r.notBefore > record.notBefore,
  );
  if (successor) return;
  record.noticed = [...record.noticed, 'ROTATION_OVERDUE'];
  touch(ctx, record);
  raise(ctx, 'ROTATION_OVERDUE', [record.sha256], {
    keyType: served.keyType,
    cert: certFacts(ctx, record),
    lifetimeShare: Math.round(share * 1000) / 1000,
    thresholdShare: ctx.config.rotationOverdueShare,
    addresses: sortedAddresses(served.addresses),
  });
}
