/**
 * Reachability: PROBE_FAILING after `failingAfter` consecutive cycles in which no probe of the target
 * got an answer, PROBE_RECOVERED when it answers again. One timeout is not a notice.
 */
import type { TargetState } from '../history';
import { type DetectContext, raise } from './context';

/** Updates the failure fields of the next state and raises PROBE_FAILING / PROBE_RECOVERED. */
export function checkProbeHealth(
  ctx: DetectContext,
  probed: boolean,
): Pick<TargetState, 'consecutiveFailures' | 'failingNotified'> {
  const failed = !probed || !ctx.served.answered;
  if (!failed) {
    if (ctx.prev.failingNotified) {
      raise(ctx, 'PROBE_RECOVERED', [`v${ctx.prev.version}`], {
        failedCycles: ctx.prev.consecutiveFailures,
        addresses: ctx.served.addresses,
      });
    }
    return { consecutiveFailures: 0, failingNotified: false };
  }
  if (!ctx.advances)
    return { consecutiveFailures: ctx.prev.consecutiveFailures, failingNotified: ctx.prev.failingNotified };
  const consecutiveFailures = ctx.prev.consecutiveFailures + 1;
  if (consecutiveFailures >= ctx.config.failingAfter && !ctx.prev.failingNotified) {
    raise(ctx, 'PROBE_FAILING', [`v${ctx.prev.version}`], {
      consecutiveFailures,
      failures: ctx.served.failures,
    });
    return { consecutiveFailures, failingNotified: true };
  }
  return { consecutiveFailures, failingNotified: ctx.prev.failingNotified };
}
