/**
 * How runs are cut into shards, shared by the run (lambdas/run/) and the stack (the function timeout
 * fits one shard). Logic-light: the CDK app imports this.
 */
export { batchWorstCaseMs, RUN_BUDGET, reserveMs, shardCapacity, targetsWithinMs } from '../core/run-budget';

/** Sizing the stack still uses until the run's timeouts are derived in lib/run-state-machine.ts. */
export const FAN_OUT = Object.freeze({
  /** Probing seconds one shard was given before the plan read the function's real time. */
  shardBudgetSeconds: 300,
});
