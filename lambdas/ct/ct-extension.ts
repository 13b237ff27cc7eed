/**
 * Certificate Transparency's whole part in a run (lambdas/run/extensions.ts), for `certwatch check`: the CT
 * step before probing, and the link keys and NEW_CERTIFICATE amendment of link-extension.ts. docs/ct.md.
 */
import type { RunExtension } from '../run/extensions';
import { type CtSettings, runCtStep } from './ct-step';
import { ctLinkExtension } from './link-extension';

/** The CT extension of a run, or none when CT is off. */
export function ctExtension(settings: CtSettings & { budgetMs: number }): RunExtension | null {
  if (settings.source.kind === 'off') return null;
  return {
    ...ctLinkExtension(),
    name: 'ct',
    beforeProbe: {
      budgetMs: settings.budgetMs,
      run: async (input) => {
        const result = await runCtStep(settings, input);
        return { notices: result.notices, summary: [result.summary, result.warning].filter(Boolean).join('; ') };
      },
    },
  };
}
