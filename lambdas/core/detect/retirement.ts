/**
 * Retirement and return, from the evidence. A leaf is CERTIFICATE_RETIRED once every address that served
 * it has since been observed serving another leaf or has gone stale; an address that still serves it but
 * is merely unobserved holds it active. Once per disappearance: a retired leaf observed again is
 * CERTIFICATE_RETURNED (a rollback), active again, and a later disappearance retires it once more.
 */
import type { CertRecord } from '../history';
import type { CertFacts, ReplacedOnFacts } from '../notice';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import { isStale, slotKey } from './evidence';
import { servedLeaves } from './served';

const HOUR_MS = 3_600_000;

/** CERTIFICATE_RETURNED for each retired leaf served again this cycle; re-activates it. */
export function returnRetired(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    const record = ctx.records.get(sha);
    if (record?.role !== 'leaf' || record.status !== 'retired') continue;
    const displaced = new Map<string, CertRecord>();
    for (const address of served.addresses) {
      const prior = ctx.prevEvidence.get(slotKey(address, served.keyType))?.sha256;
      const priorRecord = prior && prior !== sha ? ctx.records.get(prior) : undefined;
      if (priorRecord) displaced.set(priorRecord.sha256, priorRecord);
    }
    if (displaced.size === 0) {
      for (const r of ctx.records.values()) {
        if (r.role === 'leaf' && r.keyType === record.keyType && r.status === 'active' && r.sha256 !== sha)
          displaced.set(r.sha256, r);
      }
    }
    const lastSeen = record.lastSeen;
    raise(ctx, 'CERTIFICATE_RETURNED', [sha, `r${record.retirements}`], {
      keyType: served.keyType,
      cert: certFacts(ctx, record),
      addresses: sortedAddresses(served.addresses),
      retiredAt: record.retiredAt ?? lastSeen,
      lastSeen,
      goneHours: Math.round(((ctx.now.getTime() - Date.parse(lastSeen)) / HOUR_MS) * 10) / 10,
      displaces: [...displaced.values()].map((r) => certFacts(ctx, r)),
    });
    record.status = 'active';
    record.retiredAt = null;
    record.lastSeen = ctx.nowIso;
    touch(ctx, record);
  }
}

/**
 * Retires the active leaves whose every address has moved on or gone stale. Judged only in a cycle that
 * advances time and observed the leaf's key type: a cycle that reached nothing of that key type is no
 * evidence either way. Chain certificates retire silently with the last active leaf that carried them.
 */
export function retireGone(ctx: DetectContext): void {
  for (const record of ctx.records.values()) {
    if (record.role !== 'leaf' || record.status !== 'active') continue;
    if (!ctx.advances || !ctx.served.answeredKeyTypes.has(record.keyType)) continue;
    if (ctx.served.certs.has(record.sha256)) continue;
    const replacedOn = whereItWent(ctx, record);
    if (replacedOn === null) continue;
    retire(ctx, record, replacedOn);
  }
  retireOrphanChainCerts(ctx);
}

/**
 * Per address that served the leaf, what replaced it; null while some address still serves it in the window,
 * or while the leaf was observed fewer than `staleAfterCycles` cycles of its key type ago (an address backed
 * by several frontends may still alternate).
 */
function whereItWent(ctx: DetectContext, record: CertRecord): ReplacedOnFacts[] | null {
  const keyType = ctx.keyTypes[record.keyType];
  if (!keyType || keyType.cycles - (record.lastMark ?? 0) < ctx.config.staleAfterCycles) return null;
  const replacedOn: ReplacedOnFacts[] = [];
  for (const address of record.addresses) {
    const slot = ctx.evidence.get(slotKey(address, record.keyType));
    if (!slot) {
      replacedOn.push({ address, by: null, at: record.lastSeen });
      continue;
    }
    const stale = isStale(slot, ctx.keyTypes[record.keyType], ctx.config);
    if (slot.sha256 === record.sha256 && !stale) return null;
    replacedOn.push({ address, by: slot.sha256 === record.sha256 || stale ? null : slot.sha256, at: slot.at });
  }
  return replacedOn;
}

function retire(ctx: DetectContext, record: CertRecord, replacedOn: ReplacedOnFacts[]): void {
  const lastSeen = [record.lastSeen, ...replacedOn.filter((r) => r.by === null).map((r) => r.at)]
    .filter((at) => at <= ctx.nowIso)
    .sort()
    .pop() as string;
  const successors = new Map<string, CertFacts>();
  for (const entry of replacedOn) {
    const next = entry.by ? ctx.records.get(entry.by) : undefined;
    if (next) successors.set(next.sha256, certFacts(ctx, next));
  }
  if (successors.size === 0) {
    for (const s of servedLeaves(ctx.served, record.keyType)) successors.set(s.cert.sha256, certFacts(ctx, s.cert));
  }
  raise(ctx, 'CERTIFICATE_RETIRED', [record.sha256, `r${record.retirements}`], {
    keyType: record.keyType,
    cert: certFacts(ctx, record),
    firstSeen: record.firstSeen,
    lastSeen,
    addresses: [...record.addresses],
    replacedOn,
    successors: [...successors.values()],
  });
  record.status = 'retired';
  record.retiredAt = ctx.nowIso;
  record.lastSeen = lastSeen;
  record.retirements += 1;
  touch(ctx, record);
}

/**
 * Chain certificates (intermediates) retire silently after `staleAfterCycles` cycles in which their key
 * type answered without them; they carry no rollout of their own.
 */
function retireOrphanChainCerts(ctx: DetectContext): void {
  for (const record of ctx.records.values()) {
    if (record.role !== 'chain' || record.status !== 'active') continue;
    const sha = record.sha256;
    const before = ctx.prev.missing[sha] ?? 0;
    if (ctx.served.certs.has(sha)) continue;
    if (!ctx.advances || !ctx.served.answeredKeyTypes.has(record.keyType)) {
      if (before > 0) ctx.missing[sha] = before;
      continue;
    }
    if (before + 1 < ctx.config.staleAfterCycles) {
      ctx.missing[sha] = before + 1;
      continue;
    }
    record.status = 'retired';
    record.retiredAt = ctx.nowIso;
    touch(ctx, record);
  }
}
