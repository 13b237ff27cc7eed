/**
 * Consumer policy notices, a step of change detection: POLICY_MISMATCH the first time any address
 * serves a leaf the policy refuses (usually the first frontend of a rollout), POLICY_WARNING for rules
 * whose failure is a warning (MTA-STS `testing`), POLICY_SATISFIED once every refused leaf passes or is
 * gone, PIN_UNUSED when a pin matched only leaves whose retirement has held for a confirmation period. The verdict of each leaf is kept
 * on its record. Exactly-once rides on stable dedupe keys: memos on the leaf's record, counted in
 * generations (`POLICY_MISMATCH:g` open, `POLICY_SATISFIED:g` closed).
 */
import { DAY_MS } from '../days';
import type { CertRecord, LeafPolicyRecord } from '../history';
import { createNotice } from '../notice';
import { MTA_STS_CHANGED, mtaStsText } from '../notices/types/mta-sts-changed';
import type { PolicyFailureFacts, PolicyMismatchFacts, PolicyRemedyFacts } from '../notices/types/policy-mismatch';
import type { Observation } from '../observation';
import type { MtaStsPolicy, RuleVerdict } from '../policy/model';
import { POSTFIX_DIGEST_NOTE, postfixPolicyLine } from '../policy/pins';
import { tlsaOwner } from '../policy/tlsa';
import { parseTarget } from '../targets';
import { certFacts, type DetectContext, raise, sortedAddresses, touch } from './context';
import type { ServedCert } from './served';

type Level = 'critical' | 'warning';

function generation(record: CertRecord): number {
  return record.noticed.filter((m) => m.startsWith('POLICY_SATISFIED:')).length;
}

/** Whether a leaf has a POLICY_MISMATCH (or warning) of its current generation not yet satisfied. */
export function openMismatch(record: CertRecord): boolean {
  const g = generation(record);
  return record.noticed.includes(`POLICY_MISMATCH:${g}`) || record.noticed.includes(`POLICY_WARNING:${g}`);
}

function failing(o: Observation, level: Level): RuleVerdict[] {
  return o.consumerPolicy?.rules.filter((r) => r.status === 'fail' && r.severity === level) ?? [];
}

function leafVerdict(observations: readonly Observation[]): Omit<LeafPolicyRecord, 'at'> {
  const rules = observations.flatMap((o) => o.consumerPolicy?.rules ?? []);
  const sts: Record<string, MtaStsPolicy> = {};
  for (const r of rules) {
    if (!r.mtaSts) continue;
    const { domain, ...policy } = r.mtaSts;
    sts[domain] = policy;
  }
  const failed = rules
    .filter((r) => r.status === 'fail' && r.severity !== 'none')
    .map((r) => `policy ${r.policy} ${r.kind}: ${r.reason}`);
  return {
    ok: observations.every((o) => o.consumerPolicy?.ok !== false),
    failed: [...new Set(failed)].sort(),
    matched: [...new Set(rules.flatMap((r) => r.matched ?? []))].sort(),
    ...(Object.keys(sts).length > 0 ? { mtaSts: sts } : {}),
  };
}

function sameVerdict(a: LeafPolicyRecord | undefined, b: Omit<LeafPolicyRecord, 'at'>): boolean {
  return (
    a !== undefined &&
    a.ok === b.ok &&
    a.failed.join('\n') === b.failed.join('\n') &&
    a.matched.join('\n') === b.matched.join('\n')
  );
}

/** The remedy of a refused leaf; `added` = every leaf refused at this target this cycle. */
function remedyOf(ctx: DetectContext, rules: readonly RuleVerdict[], added: readonly string[]): PolicyRemedyFacts {
  const remedy: PolicyRemedyFacts = {};
  const target = parseTarget(ctx.target.url);
  const keep = rules.flatMap((r) => (r.kind === 'pins' ? (r.remedy?.keep ?? []) : []));
  if (rules.some((r) => r.kind === 'pins')) {
    remedy.postfix = {
      lines: [postfixPolicyLine(target.host, target.port, [...keep, ...added])],
      note: POSTFIX_DIGEST_NOTE,
    };
  }
  const owner = `${tlsaOwner(target.host, target.port)}.`;
  const tlsa = [...new Set(rules.flatMap((r) => r.remedy?.tlsa ?? []))];
  if (tlsa.length > 0) remedy.tlsa = tlsa.map((record) => `${owner} IN TLSA ${record}`);
  const anchors = new Map(
    rules.flatMap((r) => (r.remedy?.anchor ? [[r.remedy.anchor.sha256, r.remedy.anchor] as const] : [])),
  );
  if (anchors.size > 0) remedy.anchors = [...anchors.values()];
  const mx = [...new Set(rules.flatMap((r) => (r.remedy?.mx ? [`mx: ${r.remedy.mx}`] : [])))];
  if (mx.length > 0) remedy.mx = mx;
  return remedy;
}

function mismatchFacts(
  ctx: DetectContext,
  served: ServedCert,
  record: CertRecord,
  refused: readonly Observation[],
  level: Level,
  added: readonly string[],
): PolicyMismatchFacts {
  const rules = refused.flatMap((o) => failing(o, level));
  const failures = new Map<string, PolicyFailureFacts>();
  for (const r of rules)
    failures.set(`${r.policy} ${r.kind} ${r.reason}`, { policy: r.policy, kind: r.kind, reason: r.reason });
  const total = ctx.served.addressesByKeyType.get(served.keyType)?.size ?? served.addresses.size;
  return {
    keyType: served.keyType,
    cert: certFacts(ctx, record),
    addresses: sortedAddresses(refused.map((o) => o.address)),
    rollout: { serving: served.addresses.size, total, share: total === 0 ? 0 : served.addresses.size / total },
    failures: [...failures.values()],
    remedy: remedyOf(ctx, rules, added),
  };
}

function servedLeavesJudged(ctx: DetectContext): Array<{ sha: string; served: ServedCert; judged: Observation[] }> {
  return [...ctx.served.certs.entries()]
    .filter(([, s]) => s.role === 'leaf')
    .map(([sha, served]) => ({
      sha,
      served,
      judged: served.observations.filter((o) => o.chain[0]?.sha256 === sha && o.consumerPolicy),
    }))
    .filter((l) => l.judged.length > 0);
}

/** Records per-leaf verdicts and raises the consumer policy notices of this target. */
export function checkConsumerPolicy(ctx: DetectContext): void {
  const leaves = servedLeavesJudged(ctx);
  const refusedLeaves = leaves.filter((l) => l.judged.some((o) => failing(o, 'critical').length > 0)).map((l) => l.sha);
  for (const { sha, served, judged } of leaves) {
    const record = ctx.records.get(sha);
    if (!record) continue;
    const verdict = leafVerdict(judged);
    noticeStsChanges(ctx, record.policy, verdict);
    if (!sameVerdict(record.policy, verdict)) {
      record.policy = { ...verdict, at: ctx.nowIso };
      touch(ctx, record);
    }
    const g = generation(record);
    for (const level of ['critical', 'warning'] as const) {
      const refused = judged.filter((o) => failing(o, level).length > 0);
      const type = level === 'critical' ? 'POLICY_MISMATCH' : 'POLICY_WARNING';
      const memo = `${type}:${g}`;
      if (refused.length === 0 || record.noticed.includes(memo)) continue;
      record.noticed = [...record.noticed, memo];
      touch(ctx, record);
      const added = level === 'critical' ? refusedLeaves : [sha];
      raise(ctx, type, [sha, g], mismatchFacts(ctx, served, record, refused, level, added));
    }
  }
  checkSatisfied(ctx, leaves);
  checkUnusedPins(ctx);
}

/** MTA_STS_CHANGED once per change of a domain's mode, patterns or max_age (keyed by domain, not target). */
function noticeStsChanges(ctx: DetectContext, before: LeafPolicyRecord | undefined, now: Omit<LeafPolicyRecord, 'at'>) {
  for (const [domain, current] of Object.entries(now.mtaSts ?? {})) {
    const previous = before?.mtaSts?.[domain];
    if (!previous || mtaStsText(previous) === mtaStsText(current)) continue;
    const dedupeKey = MTA_STS_CHANGED.key(domain, previous, current);
    if (ctx.notices.some((n) => n.dedupeKey === dedupeKey)) continue;
    ctx.notices.push(
      createNotice({
        type: 'MTA_STS_CHANGED',
        dedupeKey,
        target: ctx.target.url,
        hosts: [ctx.target.host],
        at: ctx.now,
        facts: { domain, previous, current },
      }),
    );
  }
}

function checkSatisfied(ctx: DetectContext, leaves: ReturnType<typeof servedLeavesJudged>): void {
  if (leaves.length === 0 || leaves.some((l) => l.judged.some((o) => o.consumerPolicy?.ok === false))) return;
  const open = [...ctx.records.values()].filter((r) => r.role === 'leaf' && openMismatch(r));
  // A refused leaf still active but not seen this cycle may still be served elsewhere: wait for it.
  if (open.length === 0 || open.some((r) => r.status === 'active' && !ctx.served.certs.has(r.sha256))) return;
  const closed = open.map((r) => {
    const g = generation(r);
    r.noticed = [...r.noticed, `POLICY_SATISFIED:${g}`];
    touch(ctx, r);
    return `${r.sha256}:${g}`;
  });
  raise(ctx, 'POLICY_SATISFIED', closed.sort(), {
    leaves: open.map((r) => r.sha256),
    addresses: sortedAddresses(leaves.flatMap((l) => l.judged.map((o) => o.address))),
  });
}

/**
 * PIN_UNUSED once a retirement has held for `pinUnusedAfterDays` with the leaf seen nowhere at the target
 * (a return re-activates it and a later retirement starts the wait again), for each pin or TLSA record that
 * matched it and matches no active leaf; never for the target's newest leaf of its key type (a rollout
 * called off for now is likely to resume). Once per retirement: a memo on the record.
 */
function checkUnusedPins(ctx: DetectContext): void {
  if (!ctx.advances) return;
  const waitMs = ctx.config.pinUnusedAfterDays * DAY_MS;
  const due = [...ctx.records.values()].filter(
    (r) =>
      pinUnusedPending(r) &&
      r.retiredAt !== null &&
      ctx.served.answeredKeyTypes.has(r.keyType) &&
      ctx.now.getTime() - Date.parse(r.retiredAt) >= waitMs,
  );
  if (due.length === 0) return;
  const stillUsed = new Set(
    [...ctx.records.values()]
      .filter((r) => r.role === 'leaf' && r.status === 'active')
      .flatMap((r) => r.policy?.matched ?? []),
  );
  for (const record of due) {
    if (isNewest(ctx, record)) continue;
    record.noticed = [...record.noticed, pinMemo(record)];
    touch(ctx, record);
    for (const pin of record.policy?.matched ?? []) {
      if (stillUsed.has(pin)) continue;
      raise(ctx, 'PIN_UNUSED', [pin, record.sha256, `r${record.retirements}`], {
        keyType: record.keyType,
        pin,
        kind: /^\d \d \d /.test(pin) ? 'tlsa' : 'pin',
        retired: certFacts(ctx, record),
      });
    }
  }
}

/** The memo of a retirement's PIN_UNUSED check (one per retirement). */
function pinMemo(record: CertRecord): string {
  return `PIN_UNUSED:${record.retirements}`;
}

/** Whether a retired leaf that matched a pin or TLSA record still has its PIN_UNUSED check to come. */
export function pinUnusedPending(record: CertRecord): boolean {
  return (
    record.role === 'leaf' &&
    record.status === 'retired' &&
    (record.policy?.matched.length ?? 0) > 0 &&
    !record.noticed.includes(pinMemo(record))
  );
}

/** Whether no leaf of the same key type at the target is newer (by notBefore, then first sighting). */
function isNewest(ctx: DetectContext, record: CertRecord): boolean {
  const rank = (r: CertRecord) => `${r.notBefore} ${r.firstSeen}`;
  return ![...ctx.records.values()].some(
    (r) => r.role === 'leaf' && r.keyType === record.keyType && rank(r) > rank(record),
  );
}
