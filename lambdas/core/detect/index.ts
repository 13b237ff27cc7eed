/**
 * Change detection, a pure function: previous history + observations + now + config → notices and the
 * next history. No I/O, no clock: the caller supplies `now`.
 */
import type { CertRecord, TargetHistory, TargetState } from '../history';
import { emptyTargetState } from '../history';
import type { BaselineTargetFacts, Notice } from '../notice';
import type { Observation } from '../observation';
import type { WatchConfig } from '../watch-config';
import { baselineFacts, baselineNotices } from './baseline';
import { checkChains } from './chain';
import type { DetectContext, DetectTarget } from './context';
import { slotKey, updateEvidence } from './evidence';
import { checkExpiry } from './expiry';
import { checkConsumerPolicy } from './policy';
import { checkProbeHealth } from './probe-health';
import { retireGone, returnRetired } from './retirement';
import { checkRevocation } from './revocation';
import { announceNewLeaves, recordServed } from './rotation';
import { collectServed } from './served';
import { mergeShared } from './shared';
import { checkStarttls } from './starttls';
import { upgradeHistory } from './upgrade';
import { nextCadence } from './watched-time';
import { sortedEvidence } from './windows';
import { checkWithdrawnKeyTypes } from './withdrawn';

export { BASELINE_TARGETS_PER_NOTICE, baselineNotices } from './baseline';
export type { DetectTarget } from './context';
export { classifyRotation } from './rotation';

/** Input of {@link detectTarget}. */
export interface DetectTargetInput {
  target: DetectTarget;
  history: TargetHistory;
  /** This cycle's observations of this target (others are ignored). */
  observations: readonly Observation[];
  now: Date;
  config: WatchConfig;
  /** The name the leaf must match when it is not the target's host (`--servername`). */
  expectedName?: string;
  /**
   * Whether this target's last saved cycle is part of this cycle's events: a re-run of a cycle that
   * saved some targets and not others (same instant, or a later retry while others lag behind). Its
   * remembered per-target keys then keep merged dedupe keys stable. Default: last cycle at this instant.
   */
  ghosts?: boolean;
}

/** What detection decided for one target. */
export interface TargetDetection {
  target: string;
  /** Notices of this target; the baseline, if any, is in `baseline` instead (merged per cycle). */
  notices: Notice[];
  /** This target's part of the cycle's BASELINE notice, when a key type saw first light. */
  baseline: BaselineTargetFacts | null;
  /** Target × key type pairs a re-run finds already baselined (for the BASELINE key); see `ghosts`. */
  baselinedAlready: string[];
  /** Whether the last saved cycle counted as part of this one (input `ghosts`). */
  ghosts: boolean;
  /** The shared-notice components this target raised in that saved cycle (empty unless `ghosts`). */
  ghostRaised: string[];
  /** The next state; `version` is still the one read (the store conditions its write on it). */
  state: TargetState;
  /** Records to write; `rev` is still the one read (the store conditions each write on it). */
  changedCerts: CertRecord[];
}

/** Detects the changes of one target. */
export function detectTarget(input: DetectTargetInput): TargetDetection {
  const { target, history, now, config } = input;
  const observations = input.observations.filter((o) => o.target === target.url);
  const upgraded = upgradeHistory({ state: history.state ?? emptyTargetState(target.url), certs: history.certs });
  const prev = upgraded.state;
  const records = new Map(upgraded.certs.map((c) => [c.sha256, cloneRecord(c)]));
  const nowIso = now.toISOString();
  const advances = prev.lastCycleAt === null || nowIso > prev.lastCycleAt;
  const served = collectServed(observations);
  const prevEvidence = new Map(prev.evidence.map((e) => [slotKey(e.address, e.keyType), e]));
  const ctx: DetectContext = {
    target,
    expectedName: input.expectedName ?? target.host,
    now,
    nowIso,
    config,
    prev,
    baselineKeyTypes: new Set(advances ? [...served.answeredKeyTypes].filter((k) => !prev.keyTypes[k]) : []),
    advances,
    served,
    records,
    summary: history.summary,
    changed: new Set(),
    activeBefore: new Set(upgraded.certs.filter((c) => c.status === 'active').map((c) => c.sha256)),
    newLeaves: [],
    missing: {},
    prevEvidence,
    evidence: new Map(prevEvidence),
    keyTypes: structuredClone(prev.keyTypes),
    cadence: advances ? nextCadence(prev.cadence, prev.lastCycleAt, now) : prev.cadence,
    notices: [],
  };
  updateEvidence(ctx);
  recordServed(ctx);
  returnRetired(ctx);
  retireGone(ctx);
  checkWithdrawnKeyTypes(ctx);
  announceNewLeaves(ctx);
  checkExpiry(ctx);
  checkRevocation(ctx);
  checkChains(ctx);
  checkConsumerPolicy(ctx);
  const starttls = checkStarttls(ctx, observations);
  const health = checkProbeHealth(ctx, observations.length > 0);

  for (const sha of ctx.changed) {
    const record = ctx.records.get(sha);
    if (record && ctx.advances && ctx.served.certs.has(sha)) record.lastSeen = ctx.nowIso;
  }
  const state: TargetState = {
    target: target.url,
    version: prev.version,
    lastCycleAt: ctx.advances ? ctx.nowIso : prev.lastCycleAt,
    cycles: ctx.advances ? prev.cycles + 1 : prev.cycles,
    slots: observations
      .map((o) => ({
        address: o.address,
        keyType: o.keyType,
        sha256: o.ok && o.chain.length > 0 ? o.chain[0].sha256 : null,
        error: o.ok ? null : (o.error?.code ?? null),
      }))
      .sort((a, b) => a.address.localeCompare(b.address) || a.keyType.localeCompare(b.keyType)),
    ...health,
    ...starttls,
    missing: ctx.missing,
    evidence: sortedEvidence(ctx.evidence),
    keyTypes: ctx.keyTypes,
    ...(ctx.cadence === undefined ? {} : { cadence: ctx.cadence }),
    raised: ctx.advances ? [] : prev.lastCycleAt === ctx.nowIso ? [...prev.raised] : prev.raised,
  };
  const ghosts = (input.ghosts ?? prev.lastCycleAt === nowIso) && prev.lastCycleAt !== null;
  const baselinedAlready = ghosts
    ? Object.entries(prev.keyTypes)
        .filter(([, k]) => k?.baselineAt === prev.lastCycleAt)
        .map(([keyType]) => `${target.url}#${keyType}`)
    : [];
  return {
    target: target.url,
    notices: ctx.notices,
    baseline: ctx.baselineKeyTypes.size > 0 ? baselineFacts(ctx) : null,
    baselinedAlready,
    ghosts,
    ghostRaised: ghosts ? [...prev.raised] : [],
    state,
    changedCerts: [...ctx.changed].map((sha) => ctx.records.get(sha) as CertRecord),
  };
}

/** Input of {@link detectCycle}. */
export interface DetectCycleInput {
  targets: readonly DetectTarget[];
  /** History per target URL; a target missing here has none. */
  histories: ReadonlyMap<string, TargetHistory>;
  observations: readonly Observation[];
  now: Date;
  config: WatchConfig;
  expectedName?: string;
}

/** What detection decided for a whole cycle. */
export interface CycleDetection {
  /** Every notice, the merged BASELINE first. */
  notices: Notice[];
  targets: TargetDetection[];
}

/** Detects the changes of every target of a cycle and merges their baselines into one notice. */
export function detectCycle(input: DetectCycleInput): CycleDetection {
  const ghostOf = ghostTargets(input);
  const targets = input.targets.map((target) =>
    detectTarget({
      target,
      history: input.histories.get(target.url) ?? { state: null, certs: [] },
      observations: input.observations,
      now: input.now,
      config: input.config,
      expectedName: input.expectedName,
      ghosts: ghostOf(target.url),
    }),
  );
  return { notices: cycleNotices(targets, input.targets, input.now), targets };
}

/**
 * Which targets' last saved cycle belongs with this one: those at the latest `lastCycleAt` of the
 * cycle's targets, when that is this instant (a re-run) or when some target lags behind it (the cycle
 * that saved them did not save it: a crash or an unsaved target, now retried).
 */
function ghostTargets(input: DetectCycleInput): (url: string) => boolean {
  const at = (url: string) => input.histories.get(url)?.state?.lastCycleAt ?? null;
  const known = input.targets.map((t) => at(t.url));
  const latest = known.reduce<string | null>((max, a) => (a !== null && (max === null || a > max) ? a : max), null);
  if (latest === null) return () => false;
  const lagging = known.some((a) => a === null || a < latest);
  const nowIso = input.now.toISOString();
  return (url) => at(url) === latest && (latest === nowIso || lagging);
}

/**
 * The notices of a cycle from its targets' detections: the merged BASELINE first, then every target's
 * notices with those about a leaf several targets share merged. Deterministic: the watch cycle calls it
 * again with a target's detection redone after a write conflict, and gets the same dedupe keys for the
 * same events.
 */
export function cycleNotices(
  detections: readonly TargetDetection[],
  targets: readonly DetectTarget[],
  now: Date,
): Notice[] {
  const baselines = baselineNotices(
    detections.flatMap((t) => (t.baseline ? [t.baseline] : [])),
    now,
    targets.map((t) => t.url),
    detections.flatMap((t) => t.baselinedAlready),
  );
  const hosts = new Map(targets.map((t) => [t.url, t.host]));
  return [...baselines, ...mergeShared(detections, hosts, now)];
}

function cloneRecord(record: CertRecord): CertRecord {
  return {
    ...record,
    sans: [...record.sans],
    chain: [...record.chain],
    addresses: [...record.addresses],
    warned: [...record.warned],
    noticed: [...record.noticed],
    ...(record.revocation ? { revocation: { ...record.revocation } } : {}),
  };
}
