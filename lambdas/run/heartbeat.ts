/**
 * The optional weekly HEARTBEAT notice: proof the watcher is alive, with what it watches, what is
 * served and the next expiry. Pure: the handler supplies `now`, the histories and whether this week's
 * heartbeat is already recorded; it records the notice through the outbox like any other.
 *
 * One heartbeat per ISO week (Monday 00:00 UTC to Sunday): the dedupe key names the week, so
 * overlapping or retried cycles record it once, and the first cycle of a week sends it.
 */

import { DAY_MS, daysBetween, wholeDays } from '../core/days';
import type { TargetHistory } from '../core/history';
import { createNotice, type Notice } from '../core/notice';
import { HEARTBEAT, type HeartbeatFacts, type ServedFacts, type WatchedFacts } from '../core/notices/types/heartbeat';

/** How often a heartbeat is sent. */
export type HeartbeatSchedule = 'weekly' | 'off';

/** The ISO 8601 week of an instant (UTC), e.g. `2026-W23`. */
export function isoWeek(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekday = (day.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the year the week belongs to.
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The dedupe key of the heartbeat of `now`'s week: what the handler looks up in the outbox. */
export function heartbeatKey(now: Date): string {
  return HEARTBEAT.key(isoWeek(now));
}

/** Whether a heartbeat is due, and why. */
export interface HeartbeatDecision {
  due: boolean;
  /** The ISO week the heartbeat belongs to. */
  period: string;
  dedupeKey: string;
  reason: string;
}

/**
 * Decides whether this cycle sends a heartbeat: never when `off`; when `weekly`, unless the last one
 * recorded (`lastHeartbeatAt`, the outbox's record of it, or null when none is known) is in this week.
 */
export function heartbeatDue(input: {
  schedule: HeartbeatSchedule;
  now: Date;
  lastHeartbeatAt: string | null;
}): HeartbeatDecision {
  const period = isoWeek(input.now);
  const dedupeKey = HEARTBEAT.key(period);
  if (input.schedule === 'off') return { due: false, period, dedupeKey, reason: 'heartbeat is off' };
  const last = input.lastHeartbeatAt === null ? Number.NaN : Date.parse(input.lastHeartbeatAt);
  if (Number.isFinite(last) && isoWeek(new Date(last)) === period) {
    return { due: false, period, dedupeKey, reason: `already sent in ${period} (${input.lastHeartbeatAt})` };
  }
  const reason = Number.isFinite(last) ? `last one ${input.lastHeartbeatAt}` : 'none recorded yet';
  return { due: true, period, dedupeKey, reason: `first cycle of ${period}; ${reason}` };
}

/** Builds the heartbeat of `now`'s week from the watched targets and their histories. */
export function buildHeartbeat(input: {
  now: Date;
  targets: ReadonlyArray<{ url: string; host: string }>;
  histories: ReadonlyMap<string, TargetHistory>;
}): Notice<'HEARTBEAT'> {
  const { now } = input;
  const period = isoWeek(now);
  const watched: WatchedFacts[] = [];
  const served: ServedFacts[] = [];
  for (const target of input.targets) {
    const history = input.histories.get(target.url) ?? { state: null, certs: [] };
    const slots = history.state?.slots ?? [];
    watched.push({
      target: target.url,
      lastCycleAt: history.state?.lastCycleAt ?? null,
      answered: slots.filter((s) => s.sha256 !== null || s.error === 'KEY_TYPE_UNAVAILABLE').length,
      probes: slots.length,
      starttlsMissing: history.state?.starttlsMissing ?? false,
    });
    for (const cert of history.certs) {
      const addresses = slots.filter((s) => s.sha256 === cert.sha256).map((s) => s.address);
      const isServedChain = cert.role === 'chain' && cert.status === 'active' && !cert.selfSigned;
      if (addresses.length === 0 && !isServedChain) continue;
      served.push({
        target: target.url,
        keyType: cert.keyType,
        role: cert.role,
        sha256: cert.sha256,
        subject: cert.subject,
        issuer: cert.issuer,
        notAfter: cert.notAfter,
        daysLeft: daysBetween(now, cert.notAfter),
        addresses: [...new Set(addresses)].sort(),
      });
    }
  }
  const nextExpiry = [...served].sort((a, b) => a.notAfter.localeCompare(b.notAfter))[0] ?? null;
  const leaves = new Set(served.filter((s) => s.role === 'leaf').map((s) => s.sha256)).size;
  const expiry = nextExpiry ? `next expiry in ${wholeDays(nextExpiry.daysLeft)} days` : 'nothing served';
  // Short enough to stay whole in the SNS subject; the details are in the text and the facts.
  const message = `heartbeat ${period}: ${count(input.targets.length, 'target')}, ${count(leaves, 'certificate')}, ${expiry}`;
  const facts: HeartbeatFacts = { message, period, watched, served, nextExpiry };
  return createNotice({
    type: 'HEARTBEAT',
    dedupeKey: HEARTBEAT.key(period),
    target: null,
    hosts: input.targets.map((t) => t.host),
    at: now,
    facts,
  });
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
