/**
 * Posture change detection (pure): the last complete posture per address + this enumeration → notices
 * and the postures to keep. TLS_POSTURE_CHANGED carries the exact diff; TLS_POLICY_VIOLATED (critical)
 * is raised when a required rule starts failing (or fails on the first look).
 */
import { createHash } from 'node:crypto';
import { createNotice, type Notice } from '../notice';
import { TLS_POLICY_VIOLATED } from '../notices/types/tls-policy-violated';
import { TLS_POSTURE_CHANGED } from '../notices/types/tls-posture-changed';
import type { StoredPosture } from '../ports';
import { postureDrift } from '../posture/drift';
import type { PolicyRule } from '../posture/policy';
import { acceptedPairs, type Posture } from '../posture/posture';

/** Inputs of {@link detectPostureChanges} for one target. */
export interface PostureDetectionInput {
  target: string;
  host: string;
  /** The last complete posture of each address, as stored. */
  previous: Readonly<Record<string, StoredPosture>>;
  /** This enumeration, one entry per address. */
  current: readonly Posture[];
  rules: readonly PolicyRule[];
  now: Date;
}

/** What detection decided. */
export interface PostureDetection {
  notices: Notice[];
  /** The postures to store: this enumeration's where it completed with a new set, the previous elsewhere. */
  next: Record<string, StoredPosture>;
  /** True when `next` differs from what is stored (nothing to write otherwise). */
  dirty: boolean;
}

/** The accepted set's identity: equal sets give equal digests, whatever the enumeration order. */
export function postureDigest(posture: Posture): string {
  const pairs = acceptedPairs(posture.versions)
    .map((p) => `${p.version} ${p.suite}`)
    .sort();
  return createHash('sha256').update(pairs.join('\n')).digest('hex').slice(0, 16);
}

/** Compares each address's enumeration with its last complete one. */
export function detectPostureChanges(input: PostureDetectionInput): PostureDetection {
  const notices: Notice[] = [];
  const next: Record<string, StoredPosture> = { ...input.previous };
  let dirty = false;
  for (const current of input.current) {
    const stored = input.previous[current.address];
    const drift = postureDrift(stored?.posture, current, input.rules);
    const digest = postureDigest(current);
    if (drift.changed && stored) {
      notices.push(
        createNotice({
          type: 'TLS_POSTURE_CHANGED',
          dedupeKey: TLS_POSTURE_CHANGED.key(input.target, current.address, postureDigest(stored.posture), digest),
          target: input.target,
          hosts: [input.host],
          at: input.now,
          facts: {
            address: current.address,
            added: drift.added,
            removed: drift.removed,
            versionsAdded: drift.versionsAdded,
            versionsRemoved: drift.versionsRemoved,
            previousAt: stored.since,
          },
        }),
      );
    }
    if (drift.policyStartedFailing.length > 0) {
      const rules = drift.policyStartedFailing.map((v) => v.rule).sort();
      notices.push(
        createNotice({
          type: 'TLS_POLICY_VIOLATED',
          dedupeKey: TLS_POLICY_VIOLATED.key(input.target, current.address, rules, digest),
          target: input.target,
          hosts: [input.host],
          at: input.now,
          facts: { address: current.address, failing: drift.policyStartedFailing },
        }),
      );
    }
    // Only a complete enumeration replaces what is kept, and only when its accepted set is new.
    if (current.ok && (!stored || postureDigest(stored.posture) !== digest)) {
      next[current.address] = { posture: current, since: input.now.toISOString() };
      dirty = true;
    }
  }
  return { notices, next, dirty };
}
