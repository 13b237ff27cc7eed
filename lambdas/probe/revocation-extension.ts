/**
 * Revocation's part in the run (lambdas/run/extensions.ts): the prober checks the chains of each batch it
 * probes when the options say so (docs/revocation.md). Its term of a target's worst case is a fetch per
 * method for each key type's leaf; the fetches also stop at the batch's deadline, so a batch never
 * outlasts what the run planned for it.
 */
import { revocationWorstCaseMsPerTarget } from '../core/budgets';
import type { ProbeOptions } from '../core/probe-options';

/** The revocation extension of a run (structurally a RunExtension). */
export const REVOCATION_EXTENSION = Object.freeze({
  name: 'revocation',
  worstCaseMsPerTarget: (options: ProbeOptions): number =>
    options.revocation
      ? revocationWorstCaseMsPerTarget(options.timeoutMs, options.keyTypes.length, options.revocation.methods.length)
      : 0,
});
