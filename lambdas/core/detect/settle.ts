/**
 * Shared leaves, once across targets, time and shards (docs/rollouts.md, "Shared leaves"). Detection is
 * per target, and the in-cycle merge (shared.ts) makes one notice of one event at several targets of the
 * same cycle; this step settles a cycle's (or a fanned-out run's) leaf notices against every target that
 * has the leaf, as things stand after the cycle:
 * - NEW_CERTIFICATE of a leaf another target had before: the leaf was announced; ROLLOUT_PROGRESS instead
 *   (at most one per leaf and day, naming the adopting hosts);
 * - CERTIFICATE_RETIRED while another target still serves the leaf: none yet; the last target's retirement
 *   is the one notice, naming every host that served it;
 * - CERTIFICATE_RETURNED while another target still serves it (no retirement was told): none;
 * - PIN_UNUSED while another target serves the leaf, retired it within the confirmation period, or has it as
 *   its newest leaf: none (the last target to pass its wait raises it).
 * Pure: the caller gathers each leaf's records (the run: the store's fingerprint index and this cycle's own
 * detections).
 */
import type { CertRecord } from '../history';
import { createNotice, digestOf, type Notice, type NoticeFactsMap, type SharedTargetFacts } from '../notice';
import { CERTIFICATE_RETIRED } from '../notices/types/certificate-retired';
import { ROLLOUT_PROGRESS } from '../notices/types/rollout-progress';
import type { WatchConfig } from '../watch-config';
import { mergeShared } from './shared';

const DAY_MS = 86_400_000;

/** One target's record of a leaf, as settlement reads it. */
export interface LeafAtTarget {
  target: string;
  host: string;
  record: CertRecord;
  /** It is that target's newest leaf of its key type (latest notBefore, then latest first sighting). */
  newest: boolean;
}

/** The types settled here, and whose events a shard leaves to its run's merge step. */
export const SETTLED_TYPES: ReadonlySet<string> = new Set([
  'NEW_CERTIFICATE',
  'CERTIFICATE_RETIRED',
  'CERTIFICATE_RETURNED',
  'PIN_UNUSED',
]);

/** The leaf a notice to settle is about, or null. */
export function settledLeaf(notice: Notice): string | null {
  if (!SETTLED_TYPES.has(notice.type)) return null;
  const facts = notice.facts as { cert?: { sha256: string }; retired?: { sha256: string } };
  return facts.cert?.sha256 ?? facts.retired?.sha256 ?? null;
}

/** The targets a notice is about (its own, or the members of a merged one). */
function targetsOf(notice: Notice): string[] {
  const shared = (notice.facts as { targets?: SharedTargetFacts[] }).targets;
  if (shared && shared.length > 0) return shared.map((t) => t.target);
  return notice.target ? [notice.target] : [];
}

/** Settles a cycle's notices; `leaves` holds, per leaf a notice names, its record at every target. */
export function settleLeafEvents(input: {
  notices: readonly Notice[];
  leaves: ReadonlyMap<string, readonly LeafAtTarget[]>;
  now: Date;
  config: WatchConfig;
}): Notice[] {
  const { now, config } = input;
  const out: Notice[] = [];
  for (const notice of input.notices) {
    const sha = settledLeaf(notice);
    if (!sha) {
      out.push(notice);
      continue;
    }
    const mine = new Set(targetsOf(notice));
    const all = input.leaves.get(sha) ?? [];
    const others = all.filter((v) => !mine.has(v.target));
    const servedElsewhere = others.some((v) => v.record.status === 'active');
    switch (notice.type) {
      case 'NEW_CERTIFICATE': {
        const earlier = others.filter((v) => v.record.firstSeen < now.toISOString());
        out.push(earlier.length === 0 ? notice : progress(notice as Notice<'NEW_CERTIFICATE'>, all, now));
        break;
      }
      case 'CERTIFICATE_RETIRED':
        if (servedElsewhere) break;
        out.push(
          others.length === 0 ? notice : retiredEverywhere(notice as Notice<'CERTIFICATE_RETIRED'>, others, now),
        );
        break;
      case 'CERTIFICATE_RETURNED':
        if (!servedElsewhere) out.push(notice);
        break;
      case 'PIN_UNUSED': {
        const waitMs = config.pinUnusedAfterDays * DAY_MS;
        const recent = (v: LeafAtTarget) =>
          v.record.retiredAt === null || now.getTime() - Date.parse(v.record.retiredAt) < waitMs;
        if (!servedElsewhere && !others.some(recent) && !all.some((v) => v.newest)) out.push(notice);
        break;
      }
      default:
        out.push(notice);
    }
  }
  return out;
}

/** The targets of a NEW_CERTIFICATE, as shared-target facts. */
function members(notice: Notice<'NEW_CERTIFICATE'>): SharedTargetFacts[] {
  const f = notice.facts;
  if (f.targets && f.targets.length > 0) return f.targets;
  const { share, serving, total, addresses } = f.rollout;
  return [
    {
      target: notice.target as string,
      host: notice.hosts[0] ?? (notice.target as string),
      addresses,
      rollout: { share, serving, total },
    },
  ];
}

/** A NEW_CERTIFICATE of a leaf already announced elsewhere, as ROLLOUT_PROGRESS. */
function progress(notice: Notice<'NEW_CERTIFICATE'>, all: readonly LeafAtTarget[], now: Date): Notice {
  const targets = members(notice);
  const f = notice.facts;
  return createNotice({
    type: 'ROLLOUT_PROGRESS',
    dedupeKey: ROLLOUT_PROGRESS.key(f.cert.sha256, now.toISOString().slice(0, 10)),
    target: targets.length === 1 ? targets[0].target : null,
    hosts: notice.hosts,
    at: now,
    facts: {
      keyType: f.keyType,
      cert: f.cert,
      announcedAt: all.map((v) => v.record.firstSeen).sort()[0] ?? now.toISOString(),
      targets,
      servingTargets: all.filter((v) => v.record.status === 'active').length,
    },
  });
}

/**
 * The last target's retirement of a leaf others retired before: one notice naming every target that served
 * it, keyed by every target's retirement (a later return and retirement anywhere is a new key).
 */
function retiredEverywhere(notice: Notice<'CERTIFICATE_RETIRED'>, others: readonly LeafAtTarget[], now: Date): Notice {
  const f = notice.facts;
  const own: SharedTargetFacts[] =
    f.targets && f.targets.length > 0
      ? f.targets
      : [
          {
            target: notice.target as string,
            host: notice.hosts[0] ?? (notice.target as string),
            addresses: f.addresses,
          },
        ];
  const earlier: SharedTargetFacts[] = others.map((v) => ({
    target: v.target,
    host: v.host,
    addresses: [...v.record.addresses],
  }));
  const keys = [
    notice.dedupeKey,
    ...others.map((v) =>
      CERTIFICATE_RETIRED.key(v.target, v.record.sha256, `r${Math.max(0, v.record.retirements - 1)}`),
    ),
  ];
  const targets = [...own, ...earlier].sort((a, b) => a.target.localeCompare(b.target));
  return createNotice({
    type: 'CERTIFICATE_RETIRED',
    dedupeKey: `CERTIFICATE_RETIRED#${f.cert.sha256}#shared#${digestOf(keys)}`,
    target: null,
    hosts: [...new Set(targets.map((t) => t.host))],
    at: now,
    facts: { ...f, targets } as NoticeFactsMap['CERTIFICATE_RETIRED'],
  });
}

/** A target's record of a leaf as settlement reads it, from that target's records; null when it has none. */
export function leafAtTarget(
  sha256: string,
  target: string,
  host: string,
  certs: readonly CertRecord[],
): LeafAtTarget | null {
  const record = certs.find((c) => c.sha256 === sha256);
  if (!record) return null;
  const rank = (r: CertRecord) => `${r.notBefore} ${r.firstSeen}`;
  const newest = !certs.some((r) => r.role === 'leaf' && r.keyType === record.keyType && rank(r) > rank(record));
  return { target, host, record, newest };
}

/**
 * Per-target notices of several shards merged as one cycle's would be (one notice per event over every
 * shard's targets): what a fanned-out run's merge step settles.
 */
export function mergeTargetNotices(notices: readonly Notice[], now: Date): Notice[] {
  const byTarget = new Map<string, Notice[]>();
  for (const n of notices) if (n.target) byTarget.set(n.target, [...(byTarget.get(n.target) ?? []), n]);
  const hosts = new Map(notices.flatMap((n) => (n.target ? [[n.target, n.hosts[0] ?? n.target] as const] : [])));
  const detections = [...byTarget.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([target, list]) => ({ target, notices: list, ghostRaised: [], state: { raised: [] as string[] } }));
  return mergeShared(detections, hosts, now);
}
