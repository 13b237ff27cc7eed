/**
 * Notices: what certwatch tells people. Each notice is a machine-readable body (`facts`) plus a short human
 * text and an SNS-sized subject (contract). Every type lives in the catalogue under `notices/` — its facts,
 * severity, words and dedupe key — and `notices/registry.ts` lists them; this module makes notices from it.
 */
import type { Severity } from './notices/kind';
import { type NoticeFactsMap, type NoticeType, noticeKind } from './notices/registry';
import { renderNotice } from './notices/render';
import { TEST } from './notices/types/test';

export type {
  CertFacts,
  ProbeFailureFacts,
  RolloutFacts,
  RotationClass,
  RotationFacts,
  SharedTargetFacts,
} from './notices/facts';
export { digestOf, noticeKey } from './notices/keys';
export type { Severity } from './notices/kind';
export {
  isNoticeType,
  NOTICE_KINDS,
  NOTICE_SEVERITY,
  NOTICE_TYPES,
  type NoticeFactsMap,
  type NoticeType,
  noticeKind,
} from './notices/registry';
export { type BaselineTargetFacts, baselineKey } from './notices/types/baseline';
export type { ReplacedOnFacts, RetirementEvidenceFacts } from './notices/types/certificate-retired';
export type { MxHostFacts } from './notices/types/mx-changed';

/** The facts of one notice type. */
export type NoticeFacts<T extends NoticeType = NoticeType> = NoticeFactsMap[T];

/** One notice: the JSON body published (contract). */
export interface Notice<T extends NoticeType = NoticeType> {
  type: T;
  severity: Severity;
  /** Stable identity: the same event always gets the same key, so it is published once. */
  dedupeKey: string;
  /** The target URL, or null for a notice about several targets (a baseline of many) or none (TEST). */
  target: string | null;
  /** Host names concerned (the SNS `host` attribute). */
  hosts: string[];
  /** The cycle's instant (ISO 8601). */
  at: string;
  /** ≤ 100 printable ASCII characters, usable as SNS Subject. */
  subject: string;
  /** A few lines for people. */
  text: string;
  facts: NoticeFactsMap[T];
}

/** What {@link createNotice} needs; severity, subject and text are derived. */
export interface NoticeInput<T extends NoticeType> {
  type: T;
  dedupeKey: string;
  target: string | null;
  hosts: string[];
  at: Date | string;
  facts: NoticeFactsMap[T];
}

/** Builds a notice, deriving severity from its type and subject/text from its type's words. */
export function createNotice<T extends NoticeType>(input: NoticeInput<T>): Notice<T> {
  const at = typeof input.at === 'string' ? input.at : input.at.toISOString();
  const base = {
    type: input.type,
    severity: noticeKind(input.type).severity,
    dedupeKey: input.dedupeKey,
    target: input.target,
    hosts: [...new Set(input.hosts)],
    at,
    facts: input.facts,
  };
  const { subject, text } = renderNotice(base);
  return { ...base, subject, text };
}

/** A TEST notice (for `certwatch notify-test`): proves the path to subscribers. */
export function createTestNotice(now: Date, message = 'certwatch test notice: delivery works.'): Notice<'TEST'> {
  return createNotice({
    type: 'TEST',
    dedupeKey: TEST.key(now.toISOString()),
    target: null,
    hosts: [],
    at: now,
    facts: { message },
  });
}
