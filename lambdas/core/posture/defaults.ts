/**
 * Defaults of `PostureProbeOptions` (lambdas/probe/posture/enumerate.ts), apart from the enumeration code so that the CLI can
 * print them in `--help` without loading any network code.
 */
export const POSTURE_DEFAULTS = { handshakeBudget: 60, pauseMs: 25, addressConcurrency: 4, rawHello: true } as const;
