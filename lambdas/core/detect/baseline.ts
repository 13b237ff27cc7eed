/**
 * The baseline, taken per target × key type at first light: its first cycle with a successful observation
 * (not its first cycle: one that reached nothing records nothing). Those leaves go in the cycle's one
 * BASELINE notice for all such targets, never in NEW_CERTIFICATE.
 */
import { type BaselineTargetFacts, createNotice, type Notice } from '../notice';
import { BASELINE } from '../notices/types/baseline';
import { certFacts, type DetectContext, sortedAddresses } from './context';

/** What one target serves, for the baseline notice. */
export function baselineFacts(ctx: DetectContext): BaselineTargetFacts {
  const leaves = [...ctx.served.certs.values()]
    .filter((s) => s.role === 'leaf' && ctx.baselineKeyTypes.has(s.keyType))
    .map((s) => ({ ...certFacts(ctx, s.cert, 'leaf'), keyType: s.keyType, addresses: sortedAddresses(s.addresses) }))
    .sort((a, b) => a.keyType.localeCompare(b.keyType) || a.sha256.localeCompare(b.sha256));
  return {
    target: ctx.target.url,
    host: ctx.target.host,
    addresses: ctx.served.addresses,
    keyTypes: [...ctx.baselineKeyTypes].sort(),
    leaves,
    failures: ctx.served.failures,
  };
}

/** Targets per BASELINE notice: keeps a notice well under SNS's 256 KiB and DynamoDB's 400 KB item limits. */
export const BASELINE_TARGETS_PER_NOTICE = 25;

/**
 * The BASELINE notice for every target × key type at first light in a cycle: one notice (split per
 * {@link BASELINE_TARGETS_PER_NOTICE} targets only for very large target sets); none when none was new.
 * The dedupe key covers the cycle's target set and the target × key type pairs baselined at this instant,
 * `alsoAt` naming those a repeated cycle of the same instant finds already saved: so a re-run keeps the key,
 * and a later first light of another key type gets its own.
 */
export function baselineNotices(
  entries: readonly BaselineTargetFacts[],
  now: Date,
  cycleTargets: readonly string[] = entries.map((e) => e.target),
  alsoAt: readonly string[] = [],
): Notice<'BASELINE'>[] {
  const pairs = [...entries.flatMap((e) => e.keyTypes.map((k) => `${e.target}#${k}`)), ...alsoAt];
  const sorted = [...entries].sort((a, b) => a.target.localeCompare(b.target));
  const notices: Notice<'BASELINE'>[] = [];
  for (let i = 0; i < sorted.length; i += BASELINE_TARGETS_PER_NOTICE) {
    const targets = sorted.slice(i, i + BASELINE_TARGETS_PER_NOTICE);
    notices.push(
      createNotice({
        type: 'BASELINE',
        dedupeKey: BASELINE.key(cycleTargets, pairs, i / BASELINE_TARGETS_PER_NOTICE),
        target: targets.length === 1 ? targets[0].target : null,
        hosts: targets.map((t) => t.host),
        at: now,
        facts: { targets },
      }),
    );
  }
  return notices;
}
