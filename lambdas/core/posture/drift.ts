/**
 * Posture drift: what changed between two enumerations of the same target × address. The watch cycle
 * raises TLS_POSTURE_CHANGED from `changed` with the exact diff, and a critical notice from
 * `policyStartedFailing`. Incomplete enumerations never count as a change.
 */
import { evaluatePolicy, type PolicyRule } from './policy';
import {
  acceptedPairs,
  type PolicyVerdict,
  type Posture,
  TLS_VERSIONS,
  type TlsVersion,
  type VersionSuite,
} from './posture';

/** Why two postures were not compared. */
export type DriftSkip = 'no-previous' | 'previous-incomplete' | 'current-incomplete' | 'different-endpoint';

/** The difference between two postures. */
export interface PostureDrift {
  /** The accepted set changed; only ever true when both enumerations are complete. */
  changed: boolean;
  /** Set when no comparison was made, saying why. */
  skipped?: DriftSkip;
  /** Accepted now, not before. */
  added: VersionSuite[];
  /** Accepted before, not now. */
  removed: VersionSuite[];
  versionsAdded: TlsVersion[];
  versionsRemoved: TlsVersion[];
  /** Rules failing now that passed before (or, with no previous posture, that fail on the first look). */
  policyStartedFailing: PolicyVerdict[];
  /** Rules passing now that failed before. */
  policyRecovered: PolicyVerdict[];
}

function noDrift(skipped?: DriftSkip): PostureDrift {
  return {
    changed: false,
    ...(skipped ? { skipped } : {}),
    added: [],
    removed: [],
    versionsAdded: [],
    versionsRemoved: [],
    policyStartedFailing: [],
    policyRecovered: [],
  };
}

const key = (pair: VersionSuite) => `${pair.version} ${pair.suite}`;

/**
 * Compares the current posture with the previous one of the same target and address.
 *
 * `previous` must be the last *complete* (`ok`) posture kept for that endpoint: an incomplete one is
 * not compared at all, so a failed cycle can neither fake a change nor re-announce a policy failure.
 * With no previous posture (first look), nothing has changed but rules already failing are reported in
 * `policyStartedFailing`. Suites untestable in either enumeration are left out of the diff.
 * `rules` are evaluated afresh on both sides, so stored postures need not carry verdicts.
 */
export function postureDrift(
  previous: Posture | undefined,
  current: Posture,
  rules: readonly PolicyRule[] = [],
): PostureDrift {
  if (!current.ok) return noDrift('current-incomplete');
  if (previous === undefined) {
    return {
      ...noDrift('no-previous'),
      policyStartedFailing: evaluatePolicy(rules, current.versions, current.untestable).filter((v) => !v.ok),
    };
  }
  if (previous.target !== current.target || previous.address !== current.address) {
    return noDrift('different-endpoint');
  }
  if (!previous.ok) return noDrift('previous-incomplete');

  const unknown = new Set([...previous.untestable, ...current.untestable].map(key));
  const before = acceptedPairs(previous.versions).filter((p) => !unknown.has(key(p)));
  const after = acceptedPairs(current.versions).filter((p) => !unknown.has(key(p)));
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const added = after.filter((p) => !beforeKeys.has(key(p)));
  const removed = before.filter((p) => !afterKeys.has(key(p)));
  const versionsAdded = TLS_VERSIONS.filter((v) => current.versions[v].accepted && !previous.versions[v].accepted);
  const versionsRemoved = TLS_VERSIONS.filter((v) => previous.versions[v].accepted && !current.versions[v].accepted);

  const was = evaluatePolicy(rules, previous.versions, previous.untestable);
  const now = evaluatePolicy(rules, current.versions, current.untestable);
  const policyStartedFailing = now.filter((verdict, i) => !verdict.ok && was[i].ok);
  const policyRecovered = now.filter((verdict, i) => verdict.ok && !was[i].ok);

  return {
    changed: added.length + removed.length + versionsAdded.length + versionsRemoved.length > 0,
    added,
    removed,
    versionsAdded,
    versionsRemoved,
    policyStartedFailing,
    policyRecovered,
  };
}
