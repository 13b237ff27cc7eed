/**
 * The working data of one target's detection. Detection clones the history into it, the step modules
 * (rotation, expiry, chain, starttls, probe health) read and extend it, and `detectTarget` turns it into
 * the result. Nothing here touches the caller's objects.
 */

import { daysBetween } from '../days';
import type { AddressEvidence, CertRecord, HistorySummary, KeyTypeEvidence, TargetState } from '../history';
import { type CertFacts, createNotice, type Notice, type NoticeFactsMap, type NoticeType, noticeKind } from '../notice';
import type { TargetKeyParts } from '../notices/registry';
import type { Cert, KeyType } from '../observation';
import type { WatchConfig } from '../watch-config';
import type { Served } from './served';

/** The target as detection needs it. */
export interface DetectTarget {
  url: string;
  host: string;
  mode: 'starttls' | 'implicit';
}

/** Mutable working set of one detection. */
export interface DetectContext {
  target: DetectTarget;
  /** The name the leaf must match (SNI override, else the host). */
  expectedName: string;
  now: Date;
  nowIso: string;
  config: WatchConfig;
  /** The previous state (never mutated). */
  prev: TargetState;
  /** Key types whose baseline this cycle takes (their first cycle with a successful observation). */
  baselineKeyTypes: Set<KeyType>;
  /**
   * False when an overlapping cycle already recorded this instant (or a later one): consecutive-cycle
   * counters (missing certificates, failures) then do not advance, so a retried or doubled invocation
   * cannot retire a certificate or declare a target failing early.
   */
  advances: boolean;
  served: Served;
  /** Working copies of every record, by fingerprint. */
  records: Map<string, CertRecord>;
  /** Read through the store's live view: what the records left out would give (history.ts HistorySummary). */
  summary: HistorySummary | undefined;
  /** Fingerprints of records that differ from what was read (to be written). */
  changed: Set<string>;
  /** Fingerprints of records that were active before this cycle. */
  activeBefore: Set<string>;
  /** Leaves first seen at this target in this cycle. */
  newLeaves: string[];
  /** Chain certificates missing, as this cycle leaves them (see `TargetState.missing`). */
  missing: Record<string, number>;
  /** The evidence before this cycle (never mutated), by `keyType address`. */
  prevEvidence: ReadonlyMap<string, AddressEvidence>;
  /** The evidence as this cycle leaves it, by `keyType address`. */
  evidence: Map<string, AddressEvidence>;
  /** The target's cadence (minutes between cycles) as this cycle leaves it. */
  cadence: number | undefined;
  /** Per key type counters as this cycle leaves them. */
  keyTypes: Partial<Record<KeyType, KeyTypeEvidence>>;
  notices: Notice[];
}

/** Adds a notice for this context's target; its type's module builds the dedupe key from the target and `keyParts`. */
export function raise<T extends NoticeType>(
  ctx: DetectContext,
  type: T,
  keyParts: TargetKeyParts<T>,
  facts: NoticeFactsMap[T],
) {
  const key = noticeKind(type).key as (target: string, ...parts: unknown[]) => string;
  ctx.notices.push(
    createNotice({
      type,
      dedupeKey: key(ctx.target.url, ...keyParts),
      target: ctx.target.url,
      hosts: [ctx.target.host],
      at: ctx.now,
      facts,
    }),
  );
}

/** Marks a record as changed. */
export function touch(ctx: DetectContext, record: CertRecord): void {
  ctx.changed.add(record.sha256);
}

/** Facts about a certificate as of this cycle. */
export function certFacts(ctx: DetectContext, cert: CertRecord | Cert, role?: CertRecord['role']): CertFacts {
  return {
    sha256: cert.sha256,
    role: role ?? ('role' in cert ? cert.role : 'leaf'),
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    daysLeft: daysBetween(ctx.now, cert.notAfter),
    keyAlgorithm: cert.keyAlgorithm,
    spkiSha256: cert.spkiSha256,
    sans: [...cert.sans],
  };
}

/** Active leaf records of one key type, newest validity first. */
export function activeLeaves(ctx: DetectContext, keyType: KeyType): CertRecord[] {
  return [...ctx.records.values()]
    .filter((r) => r.role === 'leaf' && r.keyType === keyType && r.status === 'active')
    .sort((a, b) => b.notBefore.localeCompare(a.notBefore));
}

/** Sorted, de-duplicated addresses. */
export function sortedAddresses(addresses: Iterable<string>): string[] {
  return [...new Set(addresses)].sort();
}
