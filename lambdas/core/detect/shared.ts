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

import type { TargetState } from '../history';
import { createNotice, type Notice, type NoticeFactsMap, noticeKind, type SharedTargetFacts } from '../notice';
import { digestOf } from '../notices/keys';

/** What merging reads of one target's detection (a `TargetDetection` of core/detect/index.ts). */
export interface DetectionToMerge {
  target: string;
  notices: Notice[];
  /** The shared-notice components this target raised in the saved cycle a re-run stands for. */
  ghostRaised: string[];
  /** Its next state: merging records the components raised now in `raised`. */
  state: Pick<TargetState, 'raised'>;
}

/** The event a notice is about, across targets: type, then what its type's `shared` policy names (leaf, threshold). */
function groupOf(notice: Notice): string | null {
  const shared = noticeKind(notice.type).shared;
  const event = shared?.event(notice.facts);
  return event ? `${notice.type}#${event}` : null;
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
  targets: readonly DetectionToMerge[],
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
    const member = noticeKind(notice.type).shared?.member(notice.facts) ?? { addresses: [] };
    const entry: SharedTargetFacts = {
      target,
      host: hosts.get(target) ?? notice.hosts[0] ?? target,
      addresses: member.addresses,
    };
    if (member.rollout) entry.rollout = member.rollout;
    return entry;
  });
  return createNotice({
    type: first.type,
    dedupeKey,
    target: null,
    hosts: sorted.flatMap((m) => m.notice.hosts),
    at: now,
    facts: { ...(first.facts as object), targets } as NoticeFactsMap[typeof first.type],
  });
}
