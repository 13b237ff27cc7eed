/**
 * Retirement and return, from the serving mix (docs/rollouts.md). A leaf is CERTIFICATE_RETIRED once
 * every address that served it within the window has released it: gone stale (unobserved for its window),
 * absent there for its window of watched hours (duration), or shown enough cycles without it that its
 * continued service is improbable at its conservative share (sampling, with bounded error: `bounds.ts`).
 * Once per disappearance: a retired leaf observed again is CERTIFICATE_RETURNED (a rollback), active again,
 * and its target's windows lengthen for a while (hysteresis).
 */
import type { AddressEvidence, CertRecord, KeyTypeEvidence, LeafMix } from '../history';
import type { CertFacts, ReplacedOnFacts, RetirementEvidenceFacts } from '../notice';
import type { KeyType } from '../observation';
import { lookBudget, missProbability, predictedFalseRetirement } from './bounds';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import { MIX_HALF_LIVES, slotKey } from './evidence';
import { servedLeaves } from './served';
import { holdFactor } from './watched-time';
import { absentForWindow, isStale } from './windows';

const HOUR_MS = 3_600_000;

/** CERTIFICATE_RETURNED for each retired leaf served again this cycle; re-activates it. */
export function returnRetired(ctx: DetectContext): void {
  for (const [sha, served] of ctx.served.certs) {
    const record = ctx.records.get(sha);
    if (record?.role !== 'leaf' || record.status !== 'retired') continue;
    const displaced = new Map<string, CertRecord>();
    for (const address of served.addresses) {
      const prior = ctx.prevEvidence.get(slotKey(address, served.keyType))?.leaves ?? [];
      for (const leaf of prior) {
        const priorRecord = leaf.sha256 !== sha ? ctx.records.get(leaf.sha256) : undefined;
        if (priorRecord?.status === 'active') displaced.set(priorRecord.sha256, priorRecord);
      }
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
    const kt = ctx.keyTypes[record.keyType];
    record.since = { mark: kt?.cycles ?? 0, clock: kt?.clock ?? 0 };
    touch(ctx, record);
    lengthenWindows(ctx, record.keyType);
  }
}

/** Hysteresis: a return doubles the key type's windows (at most four times), for a week of watched time. */
function lengthenWindows(ctx: DetectContext, keyType: KeyType): void {
  const kt = ctx.keyTypes[keyType];
  if (!kt) return;
  ctx.keyTypes[keyType] = { ...kt, hold: { factor: Math.min(4, holdFactor(kt) * 2), since: kt.clock ?? 0 } };
}

/**
 * Retires the active leaves every address has released. Judged only in a cycle that advances time and
 * observed the leaf's key type: a cycle that reached nothing of that key type is no evidence either way.
 * Chain certificates retire silently with the last active leaf that carried them.
 */
export function retireGone(ctx: DetectContext): void {
  for (const record of ctx.records.values()) {
    if (record.role !== 'leaf' || record.status !== 'active') continue;
    if (!ctx.advances || !ctx.served.answeredKeyTypes.has(record.keyType)) continue;
    if (ctx.served.certs.has(record.sha256)) continue;
    const judged = judge(ctx, record);
    if (judged === null) continue;
    retire(ctx, record, judged.replacedOn, judged.evidence);
  }
  retireOrphanChainCerts(ctx);
}

/** The sampling test waits at least this many times the longest recent gap between sightings at the address. */
export const BURST_FACTOR = 2;

/** How one address released a leaf: `null` while it still holds it. */
type Release = 'stale' | 'duration' | 'sampling';

/**
 * Per address that served the leaf, what replaced it and how it released the leaf; null while some
 * address still holds it.
 */
function judge(
  ctx: DetectContext,
  record: CertRecord,
): { replacedOn: ReplacedOnFacts[]; evidence: RetirementEvidenceFacts } | null {
  const kt = ctx.keyTypes[record.keyType];
  if (!kt) return null;
  const holders = [...ctx.evidence.values()].flatMap((entry) => {
    const leaf = entry.keyType === record.keyType ? entry.leaves.find((l) => l.sha256 === record.sha256) : undefined;
    return leaf ? [{ entry, leaf }] : [];
  });
  const looks = kt.cycles - contestMark(ctx, record.keyType);
  const sampling = samplingAllowed(ctx, record, kt);
  let predicted = 0;
  const rules = new Set<Release>();
  const replacedOn: ReplacedOnFacts[] = [];
  for (const { entry, leaf } of holders) {
    const release = released(ctx, entry, leaf, kt, sampling, looks, holders.length);
    if (release === null) return null;
    rules.add(release);
    if (release === 'sampling') {
      const q = shareAfterPauses(ctx, leaf, kt);
      predicted = Math.max(
        predicted,
        predictedFalseRetirement(q, leaf.m / leaf.k, looks, holders.length, holdFactor(kt)),
      );
    }
    const by = release === 'stale' ? null : (entry.leaves.find((l) => l.sha256 !== record.sha256)?.sha256 ?? null);
    replacedOn.push({ address: entry.address, by, at: entry.at });
  }
  for (const address of record.addresses) {
    if (holders.some((h) => h.entry.address === address)) continue;
    const entry = ctx.evidence.get(slotKey(address, record.keyType));
    const by = entry?.leaves.find((l) => l.sha256 !== record.sha256)?.sha256 ?? null;
    replacedOn.push({ address, by, at: entry?.at ?? record.lastSeen });
  }
  replacedOn.sort((a, b) => a.address.localeCompare(b.address));
  const rule = rules.has('sampling') ? 'sampling' : rules.has('duration') ? 'duration' : 'stale';
  return { replacedOn, evidence: { rule, predicted: Number(predicted.toPrecision(2)), looks } };
}

/**
 * How an address released a leaf it served, or null while it holds it. Stale: the address went unobserved
 * for its window. Duration: observed, without the leaf, for `staleAfterCycles` cycles and its window.
 * Sampling: `staleAfterCycles` cycles or more without it, its conservative share at or above the floor, and
 * the run of misses improbable within this look's part of the budget.
 */
function released(
  ctx: DetectContext,
  entry: AddressEvidence,
  leaf: LeafMix,
  kt: KeyTypeEvidence,
  sampling: boolean,
  looks: number,
  addresses: number,
): Release | null {
  if (isStale(entry, kt, ctx.config)) return 'stale';
  if (leaf.m < ctx.config.staleAfterCycles) return null;
  if (absentForWindow(entry, leaf, kt, ctx.config)) return 'duration';
  const q = shareAfterPauses(ctx, leaf, kt);
  if (!sampling || q < ctx.config.retireShareFloor || leaf.m < BURST_FACTOR * leaf.g) return null;
  const budget = lookBudget(looks, addresses, holdFactor(kt));
  return missProbability(q, leaf.m / leaf.k) <= budget ? 'sampling' : null;
}

/**
 * The conservative share of a leaf at an address, discounted for the time the watcher paused since its
 * last sighting there (wall hours beyond watched hours): the mix may have moved meanwhile.
 */
export function shareAfterPauses(ctx: DetectContext, leaf: LeafMix, kt: KeyTypeEvidence): number {
  const wall = (ctx.now.getTime() - Date.parse(leaf.at)) / HOUR_MS;
  const paused = Math.max(0, wall - ((kt.clock ?? 0) - leaf.h));
  if (paused <= 0) return leaf.q;
  return leaf.q * 2 ** (-paused / Math.max(0.25, ctx.config.mixWindowHours / MIX_HALF_LIVES));
}

/**
 * Whether sampling evidence may retire a leaf of this key type: not until the latest leaf to enter the
 * mix (the rollout under way, or this leaf itself) has been there for the window. A new leaf may sit at 2 %
 * for days; and an old leaf's share may drop at once to a few frontends that lag for days, which the share
 * measured before the drop would not foresee.
 */
function samplingAllowed(ctx: DetectContext, record: CertRecord, kt: KeyTypeEvidence): boolean {
  let entered = record.since?.clock ?? 0;
  for (const r of ctx.records.values()) {
    if (r.role === 'leaf' && r.keyType === record.keyType && r.status === 'active')
      entered = Math.max(entered, r.since?.clock ?? 0);
  }
  return (kt.clock ?? 0) - entered >= ctx.config.mixWindowHours;
}

/** The key type's cycle count when its current mix of active leaves began (the latest entry among them). */
function contestMark(ctx: DetectContext, keyType: KeyType): number {
  let mark = 0;
  for (const r of ctx.records.values()) {
    if (r.role === 'leaf' && r.keyType === keyType && r.status === 'active') mark = Math.max(mark, r.since?.mark ?? 0);
  }
  return mark;
}

function retire(
  ctx: DetectContext,
  record: CertRecord,
  replacedOn: ReplacedOnFacts[],
  evidence: RetirementEvidenceFacts,
): void {
  const sightings = [...ctx.evidence.values()].flatMap((e) =>
    e.keyType === record.keyType ? e.leaves.filter((l) => l.sha256 === record.sha256).map((l) => l.at) : [],
  );
  const lastSeen = [record.lastSeen, ...sightings]
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
    evidence,
  });
  record.status = 'retired';
  record.retiredAt = ctx.nowIso;
  record.lastSeen = lastSeen;
  record.retirements += 1;
  touch(ctx, record);
}

/** Retires every active leaf of a key type at once (the key type was withdrawn). */
export function retireKeyType(ctx: DetectContext, keyType: KeyType): string[] {
  const retired: string[] = [];
  for (const record of ctx.records.values()) {
    if (record.role !== 'leaf' || record.status !== 'active' || record.keyType !== keyType) continue;
    const replacedOn = [...ctx.evidence.values()]
      .filter((e) => e.keyType === keyType && e.leaves.some((l) => l.sha256 === record.sha256))
      .map((e) => ({ address: e.address, by: null, at: e.at }));
    retire(ctx, record, replacedOn, { rule: 'withdrawn', predicted: 0, looks: 0 });
    retired.push(record.sha256);
  }
  return retired;
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
