/**
 * The watch function's environment: the variables the stack sets and the handler reads. Names come
 * from the settings table, so the two sides cannot drift. Logic-light: the CDK app imports this.
 */
import { envName } from '../settings/read';
import { SETTINGS } from '../settings/table';

/** Environment variables of the watch function. The stack sets the first group; the rest are for tests. */
export const HANDLER_ENV = Object.freeze({
  tableName: envName(SETTINGS.tableName),
  topicArn: envName(SETTINGS.topicArn),
  targets: envName(SETTINGS.targets),
  keyTypes: envName(SETTINGS.keyTypes),
  probeTimeoutMs: envName(SETTINGS.probeTimeoutMs),
  trust: envName(SETTINGS.trust),
  addressFamilies: envName(SETTINGS.addressFamilies),
  port25Blocked: envName(SETTINGS.port25Blocked),
  postureRequire: envName(SETTINGS.postureRequire),
  heartbeat: envName(SETTINGS.heartbeat),
  dns: envName(SETTINGS.dns),
  expiryThresholdsDays: envName(SETTINGS.expiryThresholdsDays),
  staleAfterCycles: envName(SETTINGS.staleAfterCycles),
  staleAfterHours: envName(SETTINGS.staleAfterHours),
  mixWindowHours: envName(SETTINGS.mixWindowHours),
  retireShareFloor: envName(SETTINGS.retireShareFloor),
  rolloutSamples: envName(SETTINGS.rolloutSamples),
  pinUnusedAfterDays: envName(SETTINGS.pinUnusedAfterDays),
  failingAfter: envName(SETTINGS.failingAfter),
  rotationOverdueShare: envName(SETTINGS.rotationOverdueShare),
  policySha256: envName(SETTINGS.policySha256),
  // Tests and special setups.
  concurrency: envName(SETTINGS.concurrency),
  dynamodbEndpoint: envName(SETTINGS.dynamodbEndpoint),
  extraCaPem: envName(SETTINGS.extraCaPem),
  resolve: envName(SETTINGS.resolve),
  ehloName: envName(SETTINGS.ehloName),
});

/** The deployment's target list, shipped beside the handler (`data/`), one entry per line. */
export const SHIPPED_TARGETS_FILE = 'watch-targets.txt';
