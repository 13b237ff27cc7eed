/**
 * Judges one presented chain against the consumer policy: every policy whose targets match applies,
 * and every rule of each must hold. Pure: the lookups (TLSA, MTA-STS, MX) are made beforehand by an
 * adapter and passed in; the instant is injected.
 */
import type { Validation } from '../observation';
import type { Certificate } from '../x509/certificate';
import { derToPem } from '../x509/pem';
import { TrustStore } from '../x509/trust-store';
import { validateChain } from '../x509/validation';
import type { ConsumerPolicy, ConsumerPolicyVerdict, PolicyLookups, PolicySet, RuleVerdict, TlsaRecord } from './model';
import { NO_LOOKUPS } from './model';
import { matchingMxPattern } from './mta-sts';
import { pinMatch, spkiSha256Hex } from './pins';
import { formatTlsa, tlsaFor, tlsaMatches, tlsaOwner } from './tlsa';

/** What is being judged: a probe's observation, or a chain given to `inspect`. */
export interface PolicySubject {
  /** Canonical target URL; null for `inspect`, which matches policies by host name or `*`. */
  target: string | null;
  /** The host: TLSA owner name, MTA-STS `mx` match, `mx:DOMAIN` membership. */
  host: string;
  port: number;
  /** The name the leaf must carry for DANE-TA (the SNI override, else the host). */
  servername?: string;
  /** The probe's own validation (with its trust set) and name check: MTA-STS relies on them. */
  validation: Validation | null;
  hostnameMatch: boolean | null;
}

/** Input of {@link evaluateConsumerPolicy}. */
export interface PolicyEvaluationInput {
  set: PolicySet;
  subject: PolicySubject;
  /** The presented chain, leaf first, parsed. */
  chain: readonly Certificate[];
  now: Date;
  lookups?: PolicyLookups;
  /** Where an anchor (by SHA-256) is published, when the caller knows (e.g. the pki.goog bundle). */
  anchorSource?: (sha256: string) => string | undefined;
}

/** Whether a policy's `targets` cover the subject. */
export function policyApplies(policy: ConsumerPolicy, subject: PolicySubject, lookups: PolicyLookups): boolean {
  const host = subject.host.toLowerCase();
  return policy.targets.some((t) => {
    if (t === '*') return true;
    if (t.startsWith('mx:')) {
      const mx = lookups.mx.get(t.slice(3));
      return mx?.ok === true && mx.value.includes(host);
    }
    if (subject.target !== null) return t === subject.target;
    return new URL(t).hostname.replace(/^\[|\]$/g, '') === host;
  });
}

/** The policies that apply to a subject, in file order. */
export function matchingPolicies(set: PolicySet, subject: PolicySubject, lookups = NO_LOOKUPS): ConsumerPolicy[] {
  return set.policies.filter((p) => policyApplies(p, subject, lookups));
}

// Anchor sets built from policy PEM or a matched DANE-TA certificate, by content: built once per process.
const STORE_LIMIT = 256;
const stores = new Map<string, TrustStore>();

function storeFor(key: string, make: () => TrustStore): TrustStore {
  let store = stores.get(key);
  if (!store) {
    if (stores.size >= STORE_LIMIT) stores.delete(stores.keys().next().value as string);
    store = make();
    stores.set(key, store);
  }
  return store;
}

const UNKNOWN_SOURCE = 'the trust set certwatch validated with (--trust, --ca)';

function rule(policy: ConsumerPolicy, kind: RuleVerdict['kind'], rest: Omit<RuleVerdict, 'policy' | 'kind'>) {
  return { policy: policy.index, kind, ...rest } satisfies RuleVerdict;
}

function judgePins(policy: ConsumerPolicy, leaf: Certificate): RuleVerdict {
  const pins = policy.pins ?? [];
  const matched = pins.flatMap((pin) => {
    const how = pinMatch(pin, leaf);
    return how ? [{ pin, how }] : [];
  });
  if (matched.length > 0) {
    const { pin, how } = matched[0];
    return rule(policy, 'pins', {
      status: 'pass',
      severity: 'critical',
      reason: `leaf ${how === 'certificate' ? 'certificate' : 'public key'} matches pin ${pin.text}`,
      matched: matched.map((m) => m.pin.text),
    });
  }
  return rule(policy, 'pins', {
    status: 'fail',
    severity: 'critical',
    reason: `leaf ${leaf.sha256} (public key ${spkiSha256Hex(leaf)}) matches none of ${pins.length} pin${pins.length === 1 ? '' : 's'}`,
    remedy: { keep: pins.map((p) => p.sha256), add: [leaf.sha256] },
  });
}

async function judgeCa(
  policy: ConsumerPolicy,
  subject: PolicySubject,
  chain: readonly Certificate[],
  now: Date,
  anchorSource: (sha256: string) => string | undefined,
) {
  const ca = policy.ca as { source: string; pem: string };
  const trust = storeFor(`ca\n${ca.pem}`, () => TrustStore.fromPem(ca.pem, ca.source));
  const { validation } = await validateChain(chain, { trust, at: now });
  if (validation.trusted) {
    return rule(policy, 'ca', {
      status: 'pass',
      severity: 'critical',
      reason: `chain validates to '${validation.anchor}' from ${ca.source}${validation.crossSigned ? ' (through a cross-signed certificate)' : ''}`,
    });
  }
  const known = subject.validation?.trusted ? subject.validation : null;
  const wanted = known ? ` it leads to '${known.anchor}'` : '';
  return rule(policy, 'ca', {
    status: 'fail',
    severity: 'critical',
    reason: `chain does not validate to an anchor of ${ca.source}: ${validation.error?.message ?? 'no path'};${wanted || ' no anchor known'}`,
    ...(known?.anchor && known.anchorSha256
      ? {
          remedy: {
            anchor: {
              subject: known.anchor,
              sha256: known.anchorSha256,
              publishedAt: anchorSource(known.anchorSha256) ?? UNKNOWN_SOURCE,
            },
          },
        }
      : {}),
  });
}

async function tlsaRecordHolds(
  record: TlsaRecord,
  subject: PolicySubject,
  chain: readonly Certificate[],
  now: Date,
): Promise<boolean> {
  if (record.usage === 3) return tlsaMatches(record, chain[0]);
  if (record.usage !== 2) return false;
  for (const anchor of chain.filter((c) => tlsaMatches(record, c))) {
    const trust = storeFor(`ta\n${anchor.sha256}`, () => TrustStore.fromPem(derToPem(anchor.der), 'DANE-TA'));
    const verdict = await validateChain(chain, { trust, at: now, servername: subject.servername ?? subject.host });
    if (verdict.validation.trusted && verdict.hostnameMatch === true) return true;
  }
  return false;
}

async function judgeTlsa(
  policy: ConsumerPolicy,
  subject: PolicySubject,
  chain: readonly Certificate[],
  now: Date,
  lookups: PolicyLookups,
): Promise<RuleVerdict> {
  let records: TlsaRecord[];
  let fromDns = '';
  if (policy.tlsa === 'dns') {
    const owner = tlsaOwner(subject.host, subject.port);
    const found = lookups.tlsa.get(owner);
    if (!found) {
      return rule(policy, 'tlsa', {
        status: 'error',
        severity: 'critical',
        code: 'TLSA_LOOKUP_FAILED',
        reason: `${owner}: not looked up`,
      });
    }
    if (!found.ok)
      return rule(policy, 'tlsa', { status: 'error', severity: 'critical', code: found.code, reason: found.message });
    records = found.value.filter((r) => r.usage === 2 || r.usage === 3);
    if (records.length === 0) {
      const reason = `${owner}: no usable TLSA record (${found.value.length} found; usages 0 and 1 do not count for SMTP): DANE does not apply`;
      return rule(policy, 'tlsa', { status: 'error', severity: 'critical', code: 'TLSA_NO_RECORDS', reason });
    }
    fromDns = ` (${owner}, DNSSEC not validated)`;
  } else {
    records = policy.tlsa ?? [];
  }
  const matched: string[] = [];
  for (const record of records) {
    if (await tlsaRecordHolds(record, subject, chain, now)) matched.push(formatTlsa(record));
  }
  if (matched.length > 0) {
    return rule(policy, 'tlsa', {
      status: 'pass',
      severity: 'critical',
      reason: `chain matches TLSA ${matched[0]}${fromDns}`,
      matched,
    });
  }
  const leafKey = formatTlsa(tlsaFor(chain[0], 3, 1));
  const issuerKey = chain.length > 1 ? [formatTlsa(tlsaFor(chain[chain.length - 1], 2, 1))] : [];
  return rule(policy, 'tlsa', {
    status: 'fail',
    severity: 'critical',
    reason: `no TLSA record matches${fromDns} (leaf key: ${leafKey}; DANE-TA also needs a valid path and the name ${subject.servername ?? subject.host})`,
    remedy: { tlsa: [leafKey, ...issuerKey] },
  });
}

function judgeMtaSts(policy: ConsumerPolicy, subject: PolicySubject, lookups: PolicyLookups): RuleVerdict {
  const domain = policy.mtaSts as string;
  if (subject.port !== 25) {
    return rule(policy, 'mtaSts', {
      status: 'skip',
      severity: 'none',
      reason: `MTA-STS of ${domain} governs MX delivery (port 25), not port ${subject.port}`,
    });
  }
  const found = lookups.mtaSts.get(domain);
  if (!found) {
    return rule(policy, 'mtaSts', {
      status: 'error',
      severity: 'warning',
      code: 'MTA_STS_FETCH_FAILED',
      reason: `${domain}: not fetched`,
    });
  }
  if (!found.ok)
    return rule(policy, 'mtaSts', { status: 'error', severity: 'warning', code: found.code, reason: found.message });
  const sts = found.value;
  const applied = { domain, ...sts };
  const severity = sts.mode === 'enforce' ? 'critical' : sts.mode === 'testing' ? 'warning' : 'none';
  const pattern = matchingMxPattern(sts, subject.host);
  const certOk = subject.validation?.trusted === true && subject.hostnameMatch === true;
  const problems = [
    ...(pattern ? [] : [`${subject.host} matches no mx pattern (${sts.mx.join(', ') || 'none'})`]),
    ...(certOk
      ? []
      : [
          subject.validation?.trusted
            ? `the leaf is not valid for ${subject.host}`
            : `the chain does not validate (${subject.validation?.error?.code ?? 'no chain'})`,
        ]),
  ];
  if (problems.length === 0) {
    return rule(policy, 'mtaSts', {
      status: 'pass',
      severity,
      reason: `${domain} (mode ${sts.mode}, id ${sts.id}): ${subject.host} matches ${pattern} and its certificate is valid`,
      mtaSts: applied,
    });
  }
  return rule(policy, 'mtaSts', {
    status: 'fail',
    severity,
    reason: `${domain} (mode ${sts.mode}, id ${sts.id}): ${problems.join('; ')}`,
    ...(pattern ? {} : { remedy: { mx: subject.host } }),
    mtaSts: applied,
  });
}

/**
 * The verdict of every applicable policy on one presented chain; null when no policy applies or
 * nothing was presented. Never throws on a certificate: validation problems are verdicts.
 */
export async function evaluateConsumerPolicy(input: PolicyEvaluationInput): Promise<ConsumerPolicyVerdict | null> {
  const { set, subject, chain, now } = input;
  const lookups = input.lookups ?? NO_LOOKUPS;
  const policies = matchingPolicies(set, subject, lookups);
  if (policies.length === 0 || chain.length === 0) return null;
  const rules: RuleVerdict[] = [];
  let fromDns = false;
  for (const policy of policies) {
    if (policy.pins) rules.push(judgePins(policy, chain[0]));
    if (policy.ca) rules.push(await judgeCa(policy, subject, chain, now, input.anchorSource ?? (() => undefined)));
    if (policy.tlsa) {
      rules.push(await judgeTlsa(policy, subject, chain, now, lookups));
      fromDns ||= policy.tlsa === 'dns';
    }
    if (policy.mtaSts) rules.push(judgeMtaSts(policy, subject, lookups));
  }
  return {
    ok: !rules.some((r) => r.status === 'fail' && r.severity !== 'none'),
    policies: policies.map((p) => p.index),
    rules,
    ...(fromDns ? { dnssec: 'not-validated' as const } : {}),
  };
}
