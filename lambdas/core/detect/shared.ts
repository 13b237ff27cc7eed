/**
 * Shared certificates, one notice. Google serves one leaf on several host names, so one rotation would
 * otherwise raise the same NEW_CERTIFICATE (or RETIRED, RETURNED, EXPIRY_WARNING) once per target. Those
 * notices about the same leaf and event in one cycle become one notice listing the targets; the history
 * stays per target.
 *
 * Exactly once: the merged dedupe key is a digest of the per-target keys it stands for. A target remembers
 * (state `raised`) the per-target keys of the cycle it last saved, so a re-run of a cycle that saved some
 * targets and not others (they raise nothing again) rebuilds the same merged key (see `ghosts`).
 */
import { createNotice, digestOf, type Notice, type NoticeFactsMap, type SharedTargetFacts } from '../notice';
import type { TargetDetection } from '.';

type SharedType = 'NEW_CERTIFICATE' | 'CERTIFICATE_RETIRED' | 'CERTIFICATE_RETURNED' | 'EXPIRY_WARNING';
const SHARED_TYPES: ReadonlySet<string> = new Set<SharedType>([
  'NEW_CERTIFICATE',
  'CERTIFICATE_RETIRED',
  'CERTIFICATE_RETURNED',
  'EXPIRY_WARNING',
]);

/** The event a notice is about, across targets: type, leaf and (for expiry) threshold. */
function groupOf(notice: Notice): string | null {
  if (!SHARED_TYPES.has(notice.type)) return null;
  const facts = notice.facts as NoticeFactsMap[SharedType];
  if (notice.type === 'EXPIRY_WARNING') {
    const f = facts as NoticeFactsMap['EXPIRY_WARNING'];
    if (f.cert.role !== 'leaf') return null;
    return `${notice.type}#${f.cert.sha256}#${f.thresholdDays}`;
  }
  return `${notice.type}#${facts.cert.sha256}`;
}

interface Member {
  notice: Notice;
  target: string;
}

/**
 * Every notice of the cycle's targets, those of a shared event merged into one; records in each target's
 * next state the per-target keys it raised (for a repeated cycle of the same instant).
 */
export function mergeShared(
  targets: readonly TargetDetection[],
  hosts: ReadonlyMap<string, string>,
  now: Date,
): Notice[] {
  const groups = new Map<string, { members: Member[]; ghosts: string[] }>();
  for (const detection of targets) {
    for (const entry of detection.ghostRaised) {
      const [group, key] = splitRaised(entry);
      const g = groups.get(group) ?? { members: [], ghosts: [] };
      g.ghosts.push(key);
      groups.set(group, g);
    }
  }
  for (const detection of targets) {
    const raisedNow: string[] = [];
    for (const notice of detection.notices) {
      const group = groupOf(notice);
      if (!group) continue;
      const g = groups.get(group) ?? { members: [], ghosts: [] };
      g.members.push({ notice, target: detection.target });
      groups.set(group, g);
      raisedNow.push(`${group}|${notice.dedupeKey}`);
    }
    detection.state.raised = [...new Set([...detection.state.raised, ...raisedNow])].sort();
  }

  const out: Notice[] = [];
  const emitted = new Set<string>();
  for (const detection of targets) {
    for (const notice of detection.notices) {
      const group = groupOf(notice);
      const g = group ? groups.get(group) : undefined;
      const keys = g ? new Set([...g.members.map((m) => m.notice.dedupeKey), ...g.ghosts]) : new Set<string>();
      if (!group || !g || keys.size < 2) {
        out.push(notice);
        continue;
      }
      if (emitted.has(group)) continue;
      emitted.add(group);
      out.push(merged(group, g.members, [...keys], hosts, now));
    }
  }
  return out;
}

function splitRaised(entry: string): [string, string] {
  const at = entry.indexOf('|');
  return [entry.slice(0, at), entry.slice(at + 1)];
}

function merged(
  group: string,
  members: readonly Member[],
  keys: readonly string[],
  hosts: ReadonlyMap<string, string>,
  now: Date,
): Notice {
  const sorted = [...members].sort((a, b) => a.target.localeCompare(b.target));
  const first = sorted[0].notice;
  const dedupeKey = `${group}#shared#${digestOf(keys)}`;
  // Only one target raises it now (the others were saved by an earlier run): its own notice, the merged key.
  if (sorted.length === 1) return { ...first, dedupeKey };
  const targets: SharedTargetFacts[] = sorted.map(({ notice, target }) => {
    const facts = notice.facts as NoticeFactsMap[SharedType];
    const entry: SharedTargetFacts = {
      target,
      host: hosts.get(target) ?? notice.hosts[0] ?? target,
      addresses:
        notice.type === 'NEW_CERTIFICATE'
          ? (facts as NoticeFactsMap['NEW_CERTIFICATE']).rollout.addresses
          : (facts as { addresses: string[] }).addresses,
    };
    if (notice.type === 'NEW_CERTIFICATE') {
      const { share, serving, total } = (facts as NoticeFactsMap['NEW_CERTIFICATE']).rollout;
      entry.rollout = { share, serving, total };
    }
    return entry;
  });
  const [type] = group.split('#');
  return createNotice({
    type: type as SharedType,
    dedupeKey,
    target: null,
    hosts: sorted.flatMap((m) => m.notice.hosts),
    at: now,
    facts: { ...(first.facts as NoticeFactsMap[SharedType]), targets } as NoticeFactsMap[SharedType],
  });
}
