/**
 * The baseline: the first cycle of a target with no history sends no NEW_CERTIFICATE storm, only one
 * BASELINE notice for all such targets of the cycle, summarising what each serves.
 */
import { type BaselineTargetFacts, baselineKey, createNotice, type Notice } from '../notice';
import { certFacts, type DetectContext, sortedAddresses } from './context';

/** What one target serves, for the baseline notice. */
export function baselineFacts(ctx: DetectContext): BaselineTargetFacts {
  const leaves = [...ctx.served.certs.values()]
    .filter((s) => s.role === 'leaf')
    .map((s) => ({ ...certFacts(ctx, s.cert, 'leaf'), keyType: s.keyType, addresses: sortedAddresses(s.addresses) }))
    .sort((a, b) => a.keyType.localeCompare(b.keyType) || a.sha256.localeCompare(b.sha256));
  return {
    target: ctx.target.url,
    host: ctx.target.host,
    addresses: ctx.served.addresses,
    leaves,
    failures: ctx.served.failures,
  };
}

/** Targets per BASELINE notice: keeps a notice well under SNS's 256 KiB and DynamoDB's 400 KB item limits. */
export const BASELINE_TARGETS_PER_NOTICE = 25;

/**
 * The BASELINE notice for every target recorded for the first time in a cycle: one notice (split per
 * {@link BASELINE_TARGETS_PER_NOTICE} targets only for very large target sets); none when no target was new.
 */
export function baselineNotices(
  entries: readonly BaselineTargetFacts[],
  now: Date,
  cycleTargets: readonly string[] = entries.map((e) => e.target),
): Notice<'BASELINE'>[] {
  const sorted = [...entries].sort((a, b) => a.target.localeCompare(b.target));
  const notices: Notice<'BASELINE'>[] = [];
  for (let i = 0; i < sorted.length; i += BASELINE_TARGETS_PER_NOTICE) {
    const targets = sorted.slice(i, i + BASELINE_TARGETS_PER_NOTICE);
    notices.push(
      createNotice({
        type: 'BASELINE',
        dedupeKey: baselineKey(cycleTargets) + (i === 0 ? '' : `#${i / BASELINE_TARGETS_PER_NOTICE}`),
        target: targets.length === 1 ? targets[0].target : null,
        hosts: targets.map((t) => t.host),
        at: now,
        facts: { targets },
      }),
    );
  }
  return notices;
}
