/**
 * Compliance rules on a posture (`--require min-version=TLS1.2,no-3des`), mirroring the two rules an
 * admin can set on Google's side (reject TLS < 1.2, reject 3DES) plus a few common ones.
 */
import { type CipherSuite, suiteByIana } from './cipher-suites';
import { PostureError } from './errors';
import {
  acceptedPairs,
  type PolicyVerdict,
  TLS_VERSIONS,
  type TlsVersion,
  type UntestableSuite,
  type VersionPosture,
  type VersionSuite,
} from './posture';

/** Rules that forbid suites by a property. */
const SUITE_RULES = {
  'no-3des': { test: (s: CipherSuite) => s.tripleDes, what: '3DES' },
  'no-rc4': { test: (s: CipherSuite) => s.rc4, what: 'RC4' },
  'no-cbc': { test: (s: CipherSuite) => s.cbc, what: 'CBC-mode' },
  'forward-secrecy': { test: (s: CipherSuite) => !s.forwardSecrecy, what: 'non-forward-secret' },
  'no-anonymous': { test: (s: CipherSuite) => s.anonymous, what: 'anonymous (unauthenticated)' },
  'no-null': { test: (s: CipherSuite) => s.nullEncryption, what: 'NULL-encryption (unencrypted)' },
} as const;

type SuiteRuleName = keyof typeof SUITE_RULES;

/** One parsed rule; `text` is its canonical spelling, used as the verdict's `rule`. */
export type PolicyRule =
  | { kind: 'min-version'; version: TlsVersion; text: string }
  | { kind: SuiteRuleName; text: string };

/** Every rule name, for help texts and error messages. */
export const POLICY_RULE_NAMES: readonly string[] = [
  'min-version=TLS1.0|TLS1.1|TLS1.2|TLS1.3',
  ...Object.keys(SUITE_RULES),
];

const VERSION_WORDS: Record<string, TlsVersion> = {
  '1': 'TLSv1',
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

/** `TLSv1` → `TLS1.0`: the spelling of the rule. */
function ruleVersion(version: TlsVersion): string {
  return version === 'TLSv1' ? 'TLS1.0' : version.replace('TLSv', 'TLS');
}

/**
 * Parses one or more comma-separated rule lists (`--require` may be repeated).
 * @throws PostureError POLICY_INVALID with a message naming the bad rule and the valid ones.
 */
export function parsePolicy(inputs: string | readonly string[]): PolicyRule[] {
  const items = (typeof inputs === 'string' ? [inputs] : inputs).flatMap((input) => input.split(','));
  const rules: PolicyRule[] = [];
  const fail = (message: string) => new PostureError('POLICY_INVALID', message);
  for (const raw of items) {
    const item = raw.trim().toLowerCase();
    if (item === '') throw fail('empty rule (expected e.g. min-version=TLS1.2,no-3des)');
    const [name, value, ...rest] = item.split('=');
    if (name === 'min-version') {
      const match = value === undefined || rest.length > 0 ? null : /^tlsv?(\d(?:\.\d)?)$/.exec(value.trim());
      const version = match ? VERSION_WORDS[match[1]] : undefined;
      if (!version) {
        throw fail(`"${raw.trim()}": min-version takes TLS1.0, TLS1.1, TLS1.2 or TLS1.3 (SSLv3 is never tested)`);
      }
      if (rules.some((r) => r.kind === 'min-version')) throw fail('min-version given more than once');
      rules.push({ kind: 'min-version', version, text: `min-version=${ruleVersion(version)}` });
    } else if (name in SUITE_RULES && value === undefined) {
      if (!rules.some((r) => r.kind === name)) rules.push({ kind: name as SuiteRuleName, text: name });
    } else {
      const hint = name in SUITE_RULES ? ` (${name} takes no value)` : '';
      throw fail(`unknown rule "${raw.trim()}"${hint}; rules are ${POLICY_RULE_NAMES.join(', ')}`);
    }
  }
  if (rules.length === 0) throw fail('no rule given');
  return rules;
}

function forbids(rule: PolicyRule, pair: VersionSuite): boolean {
  if (rule.kind === 'min-version') return TLS_VERSIONS.indexOf(pair.version) > TLS_VERSIONS.indexOf(rule.version);
  const suite = suiteByIana(pair.suite);
  // An unknown suite cannot be shown to comply.
  return suite === undefined || SUITE_RULES[rule.kind].test(suite);
}

function describe(rule: PolicyRule): string {
  return rule.kind === 'min-version'
    ? `no version below ${ruleVersion(rule.version)}`
    : `no ${SUITE_RULES[rule.kind].what} suite`;
}

function list(pairs: readonly VersionSuite[]): string {
  const shown = pairs.slice(0, 4).map((p) => `${p.suite} at ${p.version}`);
  return pairs.length > 4 ? `${shown.join(', ')} and ${pairs.length - 4} more` : shown.join(', ');
}

function byVersion(pairs: readonly VersionSuite[]): string {
  return TLS_VERSIONS.map((version) => [version, pairs.filter((p) => p.version === version).length] as const)
    .filter(([, count]) => count > 0)
    .map(([version, count]) => `${version} (${count} suite${count === 1 ? '' : 's'})`)
    .join(', ');
}

/**
 * Evaluates rules on an accepted set. A rule fails when the server accepts something it forbids, and
 * also when something it forbids could not be tested here: compliance is never assumed.
 */
export function evaluatePolicy(
  rules: readonly PolicyRule[],
  versions: Readonly<Record<TlsVersion, VersionPosture>>,
  untestable: readonly UntestableSuite[],
): PolicyVerdict[] {
  const accepted = acceptedPairs(versions);
  return rules.map((rule) => {
    const violations = accepted.filter((pair) => forbids(rule, pair));
    if (violations.length > 0) {
      const what = rule.kind === 'min-version' ? byVersion(violations) : list(violations);
      return { rule: rule.text, ok: false, detail: `accepted: ${what}` };
    }
    const unknown = untestable.filter((pair) => forbids(rule, pair));
    if (unknown.length > 0) {
      return { rule: rule.text, ok: false, detail: `cannot tell: not testable here: ${list(unknown)}` };
    }
    return { rule: rule.text, ok: true, detail: `${describe(rule)} accepted` };
  });
}
