/**
 * How runs are cut into shards, shared by the run (lambdas/run/) and the stack (the function timeout
 * fits one shard). Logic-light: the CDK app imports this.
 */
export { FAN_OUT, LAMBDA_MAX_SECONDS, revocationWorstCaseMsPerTarget } from '../core/budgets';
export {
  batchWorstCaseMs,
  probingMs,
  RUN_BUDGET,
  reserveMs,
  shardCapacity,
  targetsWithinMs,
  type WorstCaseInput,
} from '../core/run-budget';
