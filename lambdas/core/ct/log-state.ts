/**
 * What certwatch keeps per CT log (the `CT#LOGS` / `LOG#<log_id>` item, docs/ct.md): where reading
 * stands, the compact range of what was read, the last verified head, and the incidents open. Plain data.
 */
import type { StoredCompactRange } from './merkle';

/** A verified tree head as stored (root in base64). */
export interface StoredHead {
  size: number;
  timestamp: number;
  root: string;
}

/** The state of one followed log. */
export interface CtLogState {
  logId: string;
  name: string;
  url: string;
  protocol: 'rfc6962' | 'static-ct';
  /** The next entry to read: every entry before it has been read and verified. */
  position: number;
  /** The compact range [0, position); null until learnt (an RFC 6962 log met at its current size). */
  range: StoredCompactRange | null;
  /** The newest head whose signature and consistency were verified. */
  head: StoredHead | null;
  /** When certwatch first met the log. */
  firstMetAt: string;
  /** The last time reading reached the newest head the log gave (or the log was first met). */
  caughtUpAt: string;
  /** The last time reading was tried. */
  lastAttemptAt: string;
  /** The last failure, null after a cycle that went well. */
  lastError: { code: string; message: string; at: string } | null;
  /** An inconsistency under way: its number, since when, why. The position stays at the last good one. */
  inconsistent: { incident: number; since: string; reason: string } | null;
  /** Inconsistency incidents so far (numbers each one's notice). */
  incidents: number;
  /** A lag past a day under way, announced (CT_LOG_BEHIND): its number and since when. */
  behind: { incident: number; since: string } | null;
  behindIncidents: number;
  /** Optimistic-concurrency revision of the stored item; 0 = not stored yet. */
  rev: number;
}

/** A day: how long a log may lag before CT_LOG_BEHIND. */
export const BEHIND_AFTER_MS = 86_400_000;

/** Entries the log holds beyond the position (by its newest verified head). */
export function lagEntries(state: CtLogState): number {
  return Math.max(0, (state.head?.size ?? state.position) - state.position);
}
