/**
 * Consumer policies kept on the watch list (`WatchItem.policy`, set by `certwatch targets add TARGET
 * --policy FILE`): each entry's portable document applies to that entry (a URL, or `mx:DOMAIN` = its
 * MX hosts). Merged after the file's or the context's policies, numbered on from them.
 */
import { CoreError } from '../errors';
import type { WatchItem } from '../watch-list';
import type { PolicySet } from './model';
import { parsePolicyDocument, portablePolicyDocument } from './parse';

/** The portable document to store on an entry: every policy of `set`, aimed at that entry alone. */
export function entryPolicyDocument(set: PolicySet, target: string): { policies: Record<string, unknown>[] } {
  return { policies: portablePolicyDocument(set).policies.map((p) => ({ ...p, targets: [target] })) };
}

/** Several sets as one, policies numbered on in order (verdicts and notices name them by number). */
export function mergePolicySets(sets: ReadonlyArray<PolicySet | undefined>): PolicySet | undefined {
  const present = sets.filter((s): s is PolicySet => s !== undefined && s.policies.length > 0);
  if (present.length <= 1) return present[0];
  let index = 0;
  return {
    source: present.map((s) => s.source).join(' + '),
    policies: present.flatMap((s) => s.policies.map((p) => ({ ...p, index: ++index }))),
  };
}

/**
 * The policies of the active entries that carry one.
 * @throws CoreError POLICY_INVALID naming the entry whose stored policy cannot be read
 */
export function watchListPolicies(items: readonly WatchItem[]): PolicySet | undefined {
  const sets = items
    .filter((item) => item.status === 'active' && item.policy !== undefined && item.policy !== null)
    .map((item) => {
      try {
        const set = parsePolicyDocument(item.policy, { source: `watch list ${item.target}` });
        return { ...set, policies: set.policies.map((p) => ({ ...p, targets: [item.target] })) };
      } catch (error) {
        if (error instanceof CoreError) throw error;
        throw new CoreError('POLICY_INVALID', `watch list ${item.target}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    });
  return mergePolicySets(sets);
}
