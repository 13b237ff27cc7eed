import { compareWithBaseline, GOOGLE_TLS_BASELINE, type TlsBaseline } from './compare';
import { evaluatePolicy, type PolicyRule } from './policy';
import type { Posture, PostureFailure, TlsVersion, UntestableSuite, VersionPosture } from './posture';

/** What an enumeration of one address found, before judging it. */
export interface EnumerationFacts {
  target: string;
  host: string;
  port: number;
  address: string;
  versions: Record<TlsVersion, VersionPosture>;
  untestable: UntestableSuite[];
  error?: PostureFailure;
}

/**
 * Builds the posture entry: the facts, the diff against the baseline and, when rules are given, their
 * verdicts. Rules are judged only on a complete enumeration; an incomplete one fails every rule.
 */
export function assemblePosture(
  facts: EnumerationFacts,
  baseline: TlsBaseline = GOOGLE_TLS_BASELINE,
  rules?: readonly PolicyRule[],
): Posture {
  const ok = facts.error === undefined;
  const posture: Posture = {
    target: facts.target,
    host: facts.host,
    port: facts.port,
    address: facts.address,
    ok,
    ...(facts.error ? { error: facts.error } : {}),
    versions: facts.versions,
    untestable: facts.untestable,
    baseline: compareWithBaseline(facts.versions, facts.untestable, baseline),
  };
  if (rules && rules.length > 0) {
    posture.policy = ok
      ? evaluatePolicy(rules, facts.versions, facts.untestable)
      : rules.map((rule) => ({ rule: rule.text, ok: false, detail: 'not judged: the enumeration did not finish' }));
  }
  return posture;
}
