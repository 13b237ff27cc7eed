/**
 * Downgrade: STARTTLS_MISSING when a STARTTLS target that offered STARTTLS stops offering it on any
 * address (a stripped STARTTLS on one path is exactly what an attacker would do). Once per episode:
 * the episode ends when every address that answers offers it again.
 */
import type { TargetState } from '../history';
import type { Observation } from '../observation';
import { type DetectContext, raise, sortedAddresses } from './context';

/** Updates the STARTTLS fields of the next state and raises STARTTLS_MISSING. */
export function checkStarttls(
  ctx: DetectContext,
  observations: readonly Observation[],
): Pick<TargetState, 'starttlsOffered' | 'starttlsMissing'> {
  if (ctx.target.mode !== 'starttls') return { starttlsOffered: false, starttlsMissing: false };
  const offered = observations.some((o) => o.smtp.starttls);
  const missing = observations.filter((o) => o.error?.code === 'STARTTLS_NOT_OFFERED');
  const starttlsOffered = ctx.prev.starttlsOffered || offered;
  if (missing.length === 0) {
    return { starttlsOffered, starttlsMissing: offered ? false : ctx.prev.starttlsMissing };
  }
  if (ctx.prev.starttlsOffered && !ctx.prev.starttlsMissing) {
    raise(ctx, 'STARTTLS_MISSING', [`v${ctx.prev.version}`], {
      addresses: sortedAddresses(missing.map((o) => o.address)),
      banner: missing[0].smtp.banner,
      ehlo: [...missing[0].smtp.ehlo],
    });
    return { starttlsOffered, starttlsMissing: true };
  }
  return { starttlsOffered, starttlsMissing: ctx.prev.starttlsMissing };
}
