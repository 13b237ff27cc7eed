/**
 * Mapping between the history model and the items of the single-table design. The item attribute names
 * are a contract: users query them with the AWS CLI.
 */

import { keys } from '../contract/table-schema';
import type { CertRecord, KeyTypeEvidence, LegacyEvidenceSlot, SlotRecord, TargetState } from '../core/history';
import type { Notice } from '../core/notice';
import type { KeyType, ProbeErrorCode } from '../core/observation';
import type { OutboxEntry } from '../core/ports';
import type { Item } from './engine';
import { StoreError } from './errors';
import { decodeMix, encodeMix, LEAF_ID_LENGTH } from './evidence-codec';
import { assertItem } from './item-schema';

export type { Item } from './engine';

/** The `CERT#<sha256>` item of a record (with the next revision). */
export function certItem(record: CertRecord, rev: number): Item {
  return {
    pk: keys.target(record.target),
    sk: keys.cert(record.sha256),
    gsi1pk: keys.fingerprint(record.sha256),
    gsi1sk: record.target,
    kind: 'CERT',
    target: record.target,
    sha256: record.sha256,
    sha1: record.sha1,
    role: record.role,
    keyType: record.keyType,
    subject: record.subject,
    issuer: record.issuer,
    serial: record.serial,
    notBefore: record.notBefore,
    notAfter: record.notAfter,
    sans: record.sans,
    spkiSha256: record.spkiSha256,
    keyAlgorithm: record.keyAlgorithm,
    signatureAlgorithm: record.signatureAlgorithm,
    selfSigned: record.selfSigned,
    chain: record.chain,
    anchor: record.anchor,
    anchorSha256: record.anchorSha256,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    addresses: record.addresses,
    status: record.status,
    retiredAt: record.retiredAt,
    warned: record.warned,
    noticed: record.noticed,
    retirements: record.retirements,
    ...(record.since === undefined ? {} : { since: record.since }),
    ...(record.policy ? { policy: record.policy } : {}),
    ...(record.revocation ? { revocation: record.revocation } : {}),
    rev,
  };
}

/** The record of a `CERT#` item. */
export function certFromItem(item: Item): CertRecord {
  assertItem(item);
  return {
    target: str(item, 'target'),
    sha256: str(item, 'sha256'),
    sha1: str(item, 'sha1'),
    role: str(item, 'role') as CertRecord['role'],
    keyType: str(item, 'keyType') as CertRecord['keyType'],
    subject: str(item, 'subject'),
    issuer: str(item, 'issuer'),
    serial: str(item, 'serial'),
    notBefore: str(item, 'notBefore'),
    notAfter: str(item, 'notAfter'),
    sans: list<string>(item, 'sans'),
    spkiSha256: str(item, 'spkiSha256'),
    keyAlgorithm: str(item, 'keyAlgorithm'),
    signatureAlgorithm: str(item, 'signatureAlgorithm'),
    selfSigned: item.selfSigned === true,
    chain: list<string>(item, 'chain'),
    anchor: (item.anchor as string | null | undefined) ?? null,
    anchorSha256: (item.anchorSha256 as string | null | undefined) ?? null,
    firstSeen: str(item, 'firstSeen'),
    lastSeen: str(item, 'lastSeen'),
    addresses: list<string>(item, 'addresses'),
    status: str(item, 'status') as CertRecord['status'],
    retiredAt: (item.retiredAt as string | null | undefined) ?? null,
    warned: list<number>(item, 'warned'),
    noticed: list<string>(item, 'noticed'),
    // Items of the release before retirement counting: a retired one was retired once.
    retirements: Number(item.retirements ?? (item.status === 'retired' ? 1 : 0)),
    ...(typeof item.lastMark === 'number' ? { lastMark: item.lastMark } : {}),
    ...(item.since ? { since: item.since as CertRecord['since'] } : {}),
    ...(item.policy ? { policy: item.policy as CertRecord['policy'] } : {}),
    ...(item.revocation ? { revocation: item.revocation as CertRecord['revocation'] } : {}),
    rev: Number(item.rev ?? 0),
  };
}

/**
 * The attributes of the `STATE` item a cycle sets (other attributes, e.g. TLS posture, are left alone).
 * The per-cycle parts are compact strings (docs/history-table.md): `slots` one `<k><address> <leaf id>|<error>`
 * per observation, `evidence` the serving mix (lambdas/store/evidence-codec.ts).
 */
export function stateAttributes(state: TargetState): Item {
  return {
    kind: 'STATE',
    target: state.target,
    lastCycleAt: state.lastCycleAt,
    cycles: state.cycles,
    slots: state.slots.map(encodeSlot),
    consecutiveFailures: state.consecutiveFailures,
    failingNotified: state.failingNotified,
    starttlsOffered: state.starttlsOffered,
    starttlsMissing: state.starttlsMissing,
    missing: state.missing,
    evidence: encodeMix(state.evidence, state),
    keyTypes: state.keyTypes,
    raised: state.raised,
    ...(state.cadence === undefined ? {} : { cadence: state.cadence }),
  };
}

/**
 * The state of a `STATE` item; `fingerprints` (the target's stored certificates) resolve the compact leaf
 * ids. Items of earlier releases are read as they were written, for detection to upgrade in place: no
 * `keyTypes` = before the evidence model; `evidence` as a list of maps = one leaf per address.
 */
export function stateFromItem(item: Item, fingerprints: readonly string[] = []): TargetState {
  assertItem(item);
  const keyTypes = (item.keyTypes as Partial<Record<KeyType, KeyTypeEvidence>> | undefined) ?? {};
  const lastCycleAt = (item.lastCycleAt as string | null | undefined) ?? null;
  const evidence = list<unknown>(item, 'evidence');
  const compact = evidence.every((e) => typeof e === 'string');
  return {
    target: str(item, 'target'),
    version: Number(item.version ?? 0),
    lastCycleAt,
    cycles: Number(item.cycles ?? 0),
    slots: list<unknown>(item, 'slots').map((slot) => decodeSlot(slot, fingerprints)),
    consecutiveFailures: Number(item.consecutiveFailures ?? 0),
    failingNotified: item.failingNotified === true,
    starttlsOffered: item.starttlsOffered === true,
    starttlsMissing: item.starttlsMissing === true,
    missing: (item.missing as Record<string, number> | undefined) ?? {},
    evidence: compact ? decodeMix(evidence as string[], { lastCycleAt, keyTypes }, fingerprints) : [],
    keyTypes,
    raised: list<string>(item, 'raised'),
    ...(typeof item.cadence === 'number' ? { cadence: item.cadence } : {}),
    ...(compact ? {} : { legacyEvidence: evidence as LegacyEvidenceSlot[] }),
    // No keyTypes attribute: written by the release before the evidence model; detection upgrades it.
    ...(item.keyTypes === undefined
      ? { legacyMissing: (item.missing as Record<string, number> | undefined) ?? {} }
      : {}),
  };
}

const KEY_LETTER: Record<KeyType, string> = { rsa: 'r', ecdsa: 'e' };

function encodeSlot(slot: SlotRecord): string {
  return `${KEY_LETTER[slot.keyType]}${slot.address} ${slot.sha256?.slice(0, LEAF_ID_LENGTH) ?? ''}|${slot.error ?? ''}`;
}

function decodeSlot(slot: unknown, fingerprints: readonly string[]): SlotRecord {
  if (typeof slot !== 'string') return slot as SlotRecord;
  const match = /^([re])(\S*) ([0-9a-f]*)\|([A-Z_]*)$/.exec(slot);
  if (!match) throw new StoreError('ITEM_INVALID', `STATE slots: "${slot}" is not a slot`);
  const [, letter, address, id, error] = match;
  return {
    address,
    keyType: letter === 'r' ? 'rsa' : 'ecdsa',
    sha256: id ? (fingerprints.find((sha) => sha.startsWith(id)) ?? id) : null,
    error: (error || null) as ProbeErrorCode | null,
  };
}

/** A new pending `NOTICE#` item. */
export function noticeItem(notice: Notice, createdAt: string, seq: number): Item {
  return {
    pk: keys.outbox,
    sk: keys.notice(notice.dedupeKey),
    kind: 'NOTICE',
    dedupeKey: notice.dedupeKey,
    type: notice.type,
    severity: notice.severity,
    target: notice.target,
    status: 'pending',
    attempts: 0,
    createdAt,
    seq,
    notice,
  };
}

/** The outbox entry of a `NOTICE#` item. */
export function outboxFromItem(item: Item): OutboxEntry {
  assertItem(item);
  return {
    dedupeKey: str(item, 'dedupeKey'),
    status: str(item, 'status') as OutboxEntry['status'],
    attempts: Number(item.attempts ?? 0),
    notice: item.notice as Notice,
    createdAt: str(item, 'createdAt'),
    seq: Number(item.seq ?? 0),
    sentAt: (item.sentAt as string | undefined) ?? null,
    messageId: (item.messageId as string | undefined) ?? null,
    lastError: (item.lastError as string | undefined) ?? null,
    claimedBy: (item.claimedBy as string | undefined) ?? null,
    claimedUntil: (item.claimedUntil as string | undefined) ?? null,
  };
}

function str(item: Item, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') {
    throw new StoreError('ITEM_INVALID', `item ${String(item.pk)} / ${String(item.sk)}: "${name}" is not a string`);
  }
  return value;
}

function list<T>(item: Item, name: string): T[] {
  const value = item[name];
  return Array.isArray(value) ? (value as T[]) : [];
}
