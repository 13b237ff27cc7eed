/**
 * Budgets derived from settings or shared by several steps, each defined once: the deadline of a DNS
 * lookup (from the probe timeout), the publish lease of the outbox, Lambda's limit, and the inputs of
 * shard sizing that the run (core/run-budget.ts) and the stack (lib/run-timing.ts) share.
 * Logic-light and pure: the CDK app reaches it through lambdas/contract/, every area may import it.
 */

/** The shortest deadline a DNS lookup gets, in milliseconds, however short the probe timeout. */
export const MIN_DNS_TIMEOUT_MS = 500;

/**
 * The per-try deadline of a DNS query (A/AAAA, MX, TXT, TLSA) made for probing: half the probe timeout,
 * at least {@link MIN_DNS_TIMEOUT_MS}. Half, because the resolver tries twice (lambdas/probe/dns.ts): a
 * lookup then takes at most one probe timeout, as the function timeout assumes (docs/deploy.md).
 */
export function dnsTimeoutMs(probeTimeoutMs: number): number {
  return Math.max(MIN_DNS_TIMEOUT_MS, Math.floor(probeTimeoutMs / 2));
}

/**
 * The longest the revocation checks of one batch of probes take (docs/revocation.md): one probe timeout,
 * which also bounds each fetch, and never past the batch's deadline. Fetches run side by side, so slow
 * sources cost one deadline together; a fetch not done when this is spent is `unknown`, said so.
 */
export function revocationBudgetMs(probeTimeoutMs: number): number {
  return probeTimeoutMs;
}

/**
 * Revocation's term of one target's worst case, in probe-slot milliseconds (lambdas/core/run-budget.ts):
 * a fetch per method for each key type's leaf, each up to a probe timeout, run at the probes' concurrency
 * (intermediates are shared across targets). What the term does not cover is cut by the batch deadline.
 */
export function revocationWorstCaseMsPerTarget(probeTimeoutMs: number, keyTypes: number, methods: number): number {
  return probeTimeoutMs * keyTypes * methods;
}

/**
 * How long a cycle's claim on a pending notice holds before another cycle may publish it (the outbox,
 * docs/reliability.md): 5 minutes, longer than any publish call may take (lambdas/aws/aws-timeouts.ts)
 * so that a slow publish is not repeated by an overlapping cycle.
 */
export const CLAIM_LEASE_MS = 300_000;

/** Lambda's limit on one invocation, in seconds. */
export const LAMBDA_MAX_SECONDS = 900;

/**
 * How a run is cut into shards (docs/architecture.md "The run"): a shard's time is its invocation's
 * (lib/run-timing.ts), its size what fits that at worst and at the measured rate (core/run-budget.ts).
 */
export const FAN_OUT = Object.freeze({
  /** Seconds per entry assumed before any shard has measured the rate. */
  defaultSecondsPerEntry: 1,
  /** Most shards of one run. */
  maxShards: 1000,
});
