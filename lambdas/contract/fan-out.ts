/**
 * How runs are cut into shards, shared by the run (lambdas/run/) and the stack (the function timeout
 * fits one shard). Logic-light: the CDK app imports this.
 */
export { FAN_OUT, LAMBDA_MAX_SECONDS, SHARD_FUNCTION_CAP_SECONDS } from '../core/budgets';
export { batchWorstCaseMs, RUN_BUDGET, reserveMs, shardCapacity, targetsWithinMs } from '../core/run-budget';
