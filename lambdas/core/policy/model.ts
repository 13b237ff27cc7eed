/**
 * The consumer policy model (docs/policy.md, contract: users write it): what the user's own
 * side demands of a target — pins, a CA file, DANE TLSA records, an MTA-STS policy — and the verdict of
 * one observation against it. Plain data, JSON-serialisable (the CDK context carries it to the Lambda).
 */

/** A pin as written, normalised. */
export interface Pin {
  /** Exactly as the user wrote it (verdicts and notices quote it). */
  text: string;
  /**
   * `hex`: SHA-256 of the leaf certificate or of its SubjectPublicKeyInfo (Postfix `fingerprint` level with
   * `smtp_tls_fingerprint_digest = sha256`); `spki`: `sha256/BASE64`, the public key only.
   */
  form: 'hex' | 'spki';
  /** The digest, lowercase hex without separators. */
  sha256: string;
}

/** One DANE TLSA record (RFC 6698), as RFC 7672 applies it to SMTP. */
export interface TlsaRecord {
  /** 2 = DANE-TA, 3 = DANE-EE (0 and 1 are refused for SMTP, RFC 7672 §3.1.3). */
  usage: number;
  /** 0 = full certificate, 1 = SubjectPublicKeyInfo. */
  selector: number;
  /** 0 = exact bytes, 1 = SHA-256, 2 = SHA-512. */
  matchingType: number;
  /** Certificate association data, lowercase hex. */
  data: string;
}

/** One policy of the file; every policy whose `targets` match an observation applies to it. */
export interface ConsumerPolicy {
  /** Position in the file, from 1 (verdicts and notices name policies by it). */
  index: number;
  /** Optional label from the file. */
  name?: string;
  /** Canonical target URLs, `*`, or `mx:DOMAIN` (lowercase). */
  targets: string[];
  pins?: Pin[];
  /** The only anchors the consumer trusts: PEM text (a path in the file is read when the file is loaded). */
  ca?: { source: string; pem: string };
  /** Inline records, or `dns`: looked up at `_PORT._tcp.HOST` each cycle. */
  tlsa?: TlsaRecord[] | 'dns';
  /** The domain whose MTA-STS policy (RFC 8461) applies (MX targets only). */
  mtaSts?: string;
}

/** A loaded policy file. */
export interface PolicySet {
  /** Where it came from (a file name, `context`), for messages. */
  source: string;
  policies: ConsumerPolicy[];
}

/** The four kinds of rule a policy can hold. */
export type RuleKind = 'pins' | 'ca' | 'tlsa' | 'mtaSts';

/**
 * `pass`/`fail`: judged; `error`: could not be judged (a lookup failed; `code` says why);
 * `skip`: does not apply to this observation (e.g. MTA-STS on a submission port).
 */
export type RuleStatus = 'pass' | 'fail' | 'error' | 'skip';

/** Stable codes of rules that could not be judged. */
export type PolicyLookupCode =
  | 'TLSA_LOOKUP_FAILED'
  | 'TLSA_NO_RECORDS'
  | 'MTA_STS_NO_RECORD'
  | 'MTA_STS_FETCH_FAILED'
  | 'MTA_STS_INVALID'
  | 'MX_LOOKUP_FAILED';

/** What would make a failing rule hold, as data (notices turn it into text to paste). */
export interface RuleRemedy {
  /** pins: the policy's digests (hex; keep them while their leaves are served) and the refused leaf's. */
  keep?: string[];
  add?: string[];
  /** tlsa: records (presentation form) that match the refused chain. */
  tlsa?: string[];
  /** ca: the anchor the chain leads to in certwatch's own trust set. */
  anchor?: { subject: string; sha256: string; publishedAt: string };
  /** mtaSts: the host the policy's `mx` lines must cover. */
  mx?: string;
}

/** The verdict of one rule of one policy on one observation. */
export interface RuleVerdict {
  policy: number;
  kind: RuleKind;
  status: RuleStatus;
  /** What a `fail` means: MTA-STS `testing` is a warning, `none` nothing; every other rule is critical. */
  severity: 'critical' | 'warning' | 'none';
  /** One line for people: what matched, or why nothing did. */
  reason: string;
  code?: PolicyLookupCode;
  /** Pins or records (as written) that matched the presented chain. */
  matched?: string[];
  /** On `fail`: what would make it hold. */
  remedy?: RuleRemedy;
  /** mtaSts rules: the policy applied (its changes are noticed). */
  mtaSts?: MtaStsPolicy & { domain: string };
}

/** What an observation's chain is judged against the consumer policy (`consumerPolicy` of an observation). */
export interface ConsumerPolicyVerdict {
  /** False when a rule of severity critical or warning failed. */
  ok: boolean;
  /** Indexes of the policies that applied. */
  policies: number[];
  rules: RuleVerdict[];
  /** Set when records came from DNS: certwatch does not validate DNSSEC. */
  dnssec?: 'not-validated';
}

/** An MTA-STS policy (RFC 8461 §3.2), as fetched. */
export interface MtaStsPolicy {
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAge: number;
  /** The `id` of the `_mta-sts` TXT record it was fetched for. */
  id: string;
}

/** The outcome of one lookup the policy needs, made by an adapter before evaluation. */
export type Lookup<T> = { ok: true; value: T } | { ok: false; code: PolicyLookupCode; message: string };

/** Everything the network had to say for evaluation: keys are `_PORT._tcp.HOST`, domains. */
export interface PolicyLookups {
  tlsa: ReadonlyMap<string, Lookup<TlsaRecord[]>>;
  mtaSts: ReadonlyMap<string, Lookup<MtaStsPolicy>>;
  /** MX host names per domain (lowercase, no trailing dot), for `mx:DOMAIN` targets. */
  mx: ReadonlyMap<string, Lookup<string[]>>;
}

/** No lookups (inline rules only, `inspect`). */
export const NO_LOOKUPS: PolicyLookups = { tlsa: new Map(), mtaSts: new Map(), mx: new Map() };
