/**
 * The bodies of the consumer policy notices (contract: subscribers read them): POLICY_MISMATCH,
 * POLICY_WARNING, POLICY_SATISFIED, PIN_UNUSED and MTA_STS_CHANGED.
 */
import type { CertFacts } from '../notice';
import type { KeyType } from '../observation';
import type { MtaStsPolicy, RuleKind } from './model';

/** One failing rule, as a notice reports it. */
export interface PolicyFailureFacts {
  policy: number;
  kind: RuleKind;
  reason: string;
}

/** What to change on the consumer's side, ready to paste. */
export interface PolicyRemedyFacts {
  /** Postfix `smtp_tls_policy_maps` lines (old digests kept, new ones added) and the digest setting they need. */
  postfix?: { lines: string[]; note: string };
  /** TLSA records to publish (`_PORT._tcp.HOST. IN TLSA …`). */
  tlsa?: string[];
  /** Anchors the consumer's CA file lacks. */
  anchors?: Array<{ subject: string; sha256: string; publishedAt: string }>;
  /** `mx:` lines the MTA-STS policy needs. */
  mx?: string[];
}

/** POLICY_MISMATCH (critical rules) and POLICY_WARNING (MTA-STS `testing`). */
export interface PolicyMismatchFacts {
  keyType: KeyType;
  cert: CertFacts;
  /** Addresses that served this leaf and were refused this cycle. */
  addresses: string[];
  /** How far the leaf has rolled out: addresses serving it among those answering for its key type. */
  rollout: { serving: number; total: number; share: number };
  failures: PolicyFailureFacts[];
  remedy: PolicyRemedyFacts;
}

/** POLICY_SATISFIED: every judged chain passes again. */
export interface PolicySatisfiedFacts {
  /** Leaves that had been refused (sha256). */
  leaves: string[];
  /** Addresses judged this cycle. */
  addresses: string[];
}

/** PIN_UNUSED: a pin or record matched only leaves that are now retired. */
export interface PinUnusedFacts {
  keyType: KeyType;
  /** The pin or TLSA record as written. */
  pin: string;
  kind: 'pin' | 'tlsa';
  retired: CertFacts;
}

/** MTA_STS_CHANGED: the domain's policy (mode, mx patterns, max_age) changed. */
export interface MtaStsChangedFacts {
  domain: string;
  previous: MtaStsPolicy;
  current: MtaStsPolicy;
}
