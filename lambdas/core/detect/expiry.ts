/**
 * Time: EXPIRY_WARNING once per threshold crossed, EXPIRED once, ROTATION_OVERDUE once per leaf.
 * Only certificates served this cycle are judged: a retired certificate expiring is nobody's problem.
 */
import { DAY_MS } from '../days';
import type { CertRecord, ObservedCadence } from '../history';
import type { WatchConfig } from '../watch-config';
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

/** A threshold as it applies to one certificate, and the configured thresholds it stands for. */
export interface AppliedThreshold {
  days: number;
  from: number[];
}

/**
 * The thresholds that apply to a certificate: each configured one as min(days, lifetime × share), floored
 * to a tenth of a day (docs/notices.md), those that collapse to one value grouped; largest first.
 */
export function appliedThresholds(
  config: Pick<WatchConfig, 'expiryThresholdsDays' | 'expiryLifetimeShare'>,
  cert: Pick<CertRecord, 'notBefore' | 'notAfter'>,
): AppliedThreshold[] {
  const lifetimeDays = (Date.parse(cert.notAfter) - Date.parse(cert.notBefore)) / DAY_MS;
  const cap =
    config.expiryLifetimeShare === 'off' || !(lifetimeDays > 0)
      ? Number.POSITIVE_INFINITY
      : Math.floor(lifetimeDays * config.expiryLifetimeShare * 10) / 10;
  const groups = new Map<number, number[]>();
  for (const threshold of config.expiryThresholdsDays) {
    const days = Math.min(threshold, cap);
    groups.set(days, [...(groups.get(days) ?? []), threshold]);
  }
  return [...groups.entries()]
    .map(([days, from]) => ({ days, from: from.sort((a, b) => b - a) }))
    .sort((a, b) => b.days - a.days);
}

function warnThresholds(ctx: DetectContext, record: CertRecord, served: ServedCert, daysLeft: number): void {
  const crossed = appliedThresholds(ctx.config, record).filter((t) => daysLeft <= t.days);
  const fresh = crossed.filter((t) => t.from.some((configured) => !record.warned.includes(configured)));
  if (fresh.length === 0) return;
  // Several thresholds crossed at once (first sight, a long gap, or collapsed by a short lifetime) give
  // one notice, for the nearest.
  const nearest = fresh[fresh.length - 1];
  record.warned = [...new Set([...record.warned, ...crossed.flatMap((t) => t.from)])].sort((a, b) => b - a);
  touch(ctx, record);
  const scaled = nearest.from.length > 1 || nearest.from[0] !== nearest.days;
  raise(ctx, 'EXPIRY_WARNING', [record.sha256, nearest.days], {
    keyType: served.keyType,
    cert: certFacts(ctx, record),
    thresholdDays: nearest.days,
    ...(scaled ? { scaledFrom: nearest.from } : {}),
    addresses: sortedAddresses(served.addresses),
  });
}

/** How much later than the longest replacement seen a leaf may be before the cadence calls it overdue. */
export const CADENCE_MARGIN = 1.25;

/** Rotations a target's history must hold before its cadence counts. */
export const CADENCE_ROTATIONS = 2;

/**
 * The observed cadence of a target and key type: how long after notBefore its leaves were replaced (a
 * successor first seen there), the longest of them, once the history holds {@link CADENCE_ROTATIONS}.
 */
export function observedCadence(records: Iterable<CertRecord>, keyType: CertRecord['keyType']): ObservedCadence | null {
  const leaves = [...records]
    .filter((r) => r.role === 'leaf' && r.keyType === keyType)
    .sort((a, b) => a.notBefore.localeCompare(b.notBefore));
  const ages: number[] = [];
  for (let i = 1; i < leaves.length; i++) {
    const [previous, next] = [leaves[i - 1], leaves[i]];
    // A leaf first seen with its predecessor (the baseline of a rollout under way) replaced nothing here.
    if (next.firstSeen > previous.firstSeen) ages.push(Date.parse(next.firstSeen) - Date.parse(previous.notBefore));
  }
  if (ages.length < CADENCE_ROTATIONS) return null;
  return { rotations: ages.length, replacedAfterMs: Math.max(...ages) };
}

function rotationOverdue(ctx: DetectContext, record: CertRecord, served: ServedCert): void {
  if (record.noticed.includes('ROTATION_OVERDUE')) return;
  const start = Date.parse(record.notBefore);
  const lifetime = Date.parse(record.notAfter) - start;
  if (lifetime <= 0) return;
  const age = ctx.now.getTime() - start;
  const share = age / lifetime;
  // The share rule, tightened (never loosened) by the target's own cadence once it is known.
  // Read through the live view, the records are not all there: the whole history's cadence comes with them.
  const cadence = ctx.summary
    ? (ctx.summary.cadence[record.keyType] ?? null)
    : observedCadence(ctx.records.values(), record.keyType);
  const cadenceAt = cadence ? cadence.replacedAfterMs * CADENCE_MARGIN : Number.POSITIVE_INFINITY;
  const byCadence = cadenceAt < ctx.config.rotationOverdueShare * lifetime;
  if (share < ctx.config.rotationOverdueShare && !(byCadence && age >= cadenceAt)) return;
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
    ...(cadence && byCadence
      ? {
          cadence: {
            rotations: cadence.rotations,
            replacedAfterDays: Math.round((cadence.replacedAfterMs / DAY_MS) * 10) / 10,
            thresholdDays: Math.round((cadenceAt / DAY_MS) * 10) / 10,
          },
        }
      : {}),
    addresses: sortedAddresses(served.addresses),
  });
}
