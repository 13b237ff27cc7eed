/**
 * The consumer policy's forecast for a logged certificate (POLICY_FORECAST, docs/ct.md): would the
 * policies that apply to a watched target refuse it once a frontend serves it, and what to add now. What
 * can be known before service: the public key (pins `sha256/…` and SPKI digests, TLSA `3 1 1`), the
 * issuing chain the log was given (TLSA `2 x 1`, the `ca` anchors); a whole-certificate digest only once
 * the final certificate is logged. MTA-STS and DNS-published TLSA records are judged when served.
 */
import { createHash } from 'node:crypto';
import type { ConsumerPolicy, PolicySet } from '../policy/model';
import { colonUpper, postfixPolicyLine, spkiPinText } from '../policy/pins';
import { certificateParts } from '../x509/der';
import { pemToDerList } from '../x509/pem';
import type { IssuedCert, IssuedChainCert } from './issued';

/** The target a forecast is for. */
export interface ForecastTarget {
  url: string;
  host: string;
  port: number;
  /** `mx:DOMAIN` entries the target came from (a policy on `mx:DOMAIN` applies to them). */
  mxDomains: readonly string[];
}

/** One rule of one policy that would refuse the logged certificate, with the remedy known now. */
export interface ForecastFailure {
  policy: number;
  policyName?: string;
  kind: 'pins' | 'tlsa' | 'ca';
  reason: string;
  /** Lines to paste now (pins, Postfix policy-map line, TLSA record, anchor to add). */
  remedy: string[];
}

/** The forecast for one target: empty `failures` = every applicable rule would hold. */
export interface Forecast {
  target: string;
  policies: number[];
  failures: ForecastFailure[];
  /** The whole-certificate digest is known (the final certificate was logged). */
  certificateDigestKnown: boolean;
}

function applies(policy: ConsumerPolicy, target: ForecastTarget): boolean {
  return policy.targets.some(
    (t) => t === '*' || t === target.url || (t.startsWith('mx:') && target.mxDomains.includes(t.slice(3))),
  );
}

function anchorKeys(pem: string): Set<string> {
  const keys = new Set<string>();
  for (const der of pemToDerList(pem)) {
    try {
      keys.add(createHash('sha256').update(certificateParts(der).spki).digest('hex'));
    } catch {
      // A certificate the policy loader accepted but this reader cannot slice: it matches nothing.
    }
  }
  return keys;
}

function pinsRule(policy: ConsumerPolicy, cert: IssuedCert, target: ForecastTarget): ForecastFailure | null {
  const pins = policy.pins ?? [];
  if (pins.length === 0) return null;
  const ok = pins.some((p) => p.sha256 === cert.spkiSha256Hex || (p.form === 'hex' && p.sha256 === cert.sha256));
  if (ok) return null;
  const digests = [...pins.filter((p) => p.form === 'hex').map((p) => p.sha256), cert.spkiSha256Hex];
  const remedy = [
    `pin: ${spkiPinText(cert.spkiSha256Hex)}`,
    `postfix: ${postfixPolicyLine(target.host, target.port, digests)}`,
  ];
  if (cert.sha256) remedy.push(`certificate digest: ${colonUpper(cert.sha256)}`);
  return {
    policy: policy.index,
    policyName: policy.name,
    kind: 'pins',
    reason: `the new key (sha256/${Buffer.from(cert.spkiSha256Hex, 'hex').toString('base64')}) matches none of ${pins.length} pin${pins.length === 1 ? '' : 's'}`,
    remedy,
  };
}

function tlsaRule(policy: ConsumerPolicy, cert: IssuedCert, chain: readonly IssuedChainCert[]): ForecastFailure | null {
  if (!Array.isArray(policy.tlsa) || policy.tlsa.length === 0) return null;
  const ok = policy.tlsa.some((r) => {
    if (r.matchingType !== 1) return false;
    if (r.usage === 3) return r.selector === 1 ? r.data === cert.spkiSha256Hex : r.data === cert.sha256;
    return chain.some((c) => (r.selector === 1 ? c.spkiSha256Hex : c.sha256) === r.data);
  });
  if (ok) return null;
  return {
    policy: policy.index,
    policyName: policy.name,
    kind: 'tlsa',
    reason: `none of ${policy.tlsa.length} TLSA record${policy.tlsa.length === 1 ? '' : 's'} matches the new certificate's key or chain`,
    remedy: [`tlsa: 3 1 1 ${cert.spkiSha256Hex}`],
  };
}

function caRule(policy: ConsumerPolicy, chain: readonly IssuedChainCert[]): ForecastFailure | null {
  if (!policy.ca || chain.length === 0) return null;
  const keys = anchorKeys(policy.ca.pem);
  if (chain.some((c) => keys.has(c.spkiSha256Hex))) return null;
  const root = chain[chain.length - 1];
  return {
    policy: policy.index,
    policyName: policy.name,
    kind: 'ca',
    reason: `the chain the log was given leads to '${root.subject}', which is not among the anchors of ${policy.ca.source}`,
    remedy: [`anchor: add '${root.subject}' (sha256 ${root.sha256}) to ${policy.ca.source}`],
  };
}

/** The forecast for a logged certificate at one target; null when no policy applies. */
export function forecast(
  set: PolicySet,
  cert: IssuedCert,
  chain: readonly IssuedChainCert[],
  target: ForecastTarget,
): Forecast | null {
  const policies = set.policies.filter((p) => applies(p, target));
  if (policies.length === 0) return null;
  const failures = policies.flatMap((p) =>
    [pinsRule(p, cert, target), tlsaRule(p, cert, chain), caRule(p, chain)].filter(
      (f): f is ForecastFailure => f !== null,
    ),
  );
  return {
    target: target.url,
    policies: policies.map((p) => p.index),
    failures,
    certificateDigestKnown: cert.sha256 !== null,
  };
}
