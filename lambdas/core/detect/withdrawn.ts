/**
 * A key type withdrawn: the target keeps answering, but every address that answers refuses a key type it
 * served before (KEY_TYPE_UNAVAILABLE). Such a cycle is no evidence for that key type's evidence (its clock
 * does not move), so without this step its leaves would stay active for as long as the withdrawal lasts.
 * Counted in cycles and watched hours on the target's cadence; past the stale window, KEY_TYPE_WITHDRAWN
 * (once per withdrawal) and its leaves retire (docs/rollouts.md).
 */
import type { KeyType } from '../observation';
import { certFacts, type DetectContext, raise, sortedAddresses } from './context';
import { retireKeyType } from './retirement';
import { countedHours, holdFactor } from './watched-time';

/** Counts the cycles of each withdrawn key type; past the stale window, KEY_TYPE_WITHDRAWN and its leaves retire. */
export function checkWithdrawnKeyTypes(ctx: DetectContext): void {
  if (!ctx.advances || !ctx.served.answered) return;
  for (const keyType of Object.keys(ctx.keyTypes) as KeyType[]) {
    const kt = ctx.keyTypes[keyType];
    if (!kt || ctx.served.addressesByKeyType.has(keyType)) continue;
    const refused = ctx.served.unavailableAt.get(keyType);
    if (!refused || refused.size === 0) continue;
    const gone = kt.gone ?? { since: ctx.nowIso, cycles: 0, hours: 0 };
    const hours = gone.cycles === 0 || !ctx.prev.lastCycleAt ? 0 : countedHours(ctx, ctx.prev.lastCycleAt);
    const next = { ...gone, cycles: gone.cycles + 1, hours: Math.round((gone.hours + hours) * 100) / 100 };
    ctx.keyTypes[keyType] = { ...kt, gone: next };
    const window = ctx.config.staleAfterHours * holdFactor(kt);
    if (next.noticed || next.cycles < ctx.config.staleAfterCycles || next.hours < window) continue;
    const leaves = [...ctx.records.values()].filter(
      (r) => r.role === 'leaf' && r.keyType === keyType && r.status === 'active',
    );
    ctx.keyTypes[keyType] = { ...kt, gone: { ...next, noticed: true } };
    if (leaves.length === 0) continue;
    raise(ctx, 'KEY_TYPE_WITHDRAWN', [keyType, next.since], {
      keyType,
      since: next.since,
      cycles: next.cycles,
      hours: next.hours,
      addresses: sortedAddresses(refused),
      retired: leaves.map((r) => certFacts(ctx, r)),
    });
    retireKeyType(ctx, keyType);
  }
}
