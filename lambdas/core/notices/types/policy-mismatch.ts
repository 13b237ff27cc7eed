/**
 * POLICY_MISMATCH: the consumer policy refuses a served leaf (usually the first frontend of a rollout),
 * with the remedy to paste. Its facts and words are shared with POLICY_WARNING.
 */
import type { KeyType } from '../../observation';
import type { RuleKind } from '../../policy/model';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS, type NoticeWords } from '../kind';
import { certLines } from '../text';

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

/** The facts fields of POLICY_MISMATCH and POLICY_WARNING, described. */
export const POLICY_MISMATCH_FIELDS: { readonly [K in keyof PolicyMismatchFacts]: string } = {
  keyType: '`rsa` or `ecdsa`',
  cert: 'the refused leaf (certificate facts)',
  addresses: 'the addresses that served it and were refused this cycle',
  rollout: '`serving` of `total` addresses answering for its key type, and that `share` (0–1)',
  failures: 'the failing rules: `policy` (index in the file), `kind`, `reason`',
  remedy:
    'what to paste: `postfix` (`lines` for smtp_tls_policy_maps, `note`), `tlsa` records, `anchors` missing from the CA file, MTA-STS `mx` lines',
};

function remedyLines(remedy: PolicyRemedyFacts): string[] {
  const lines: string[] = [];
  if (remedy.postfix) {
    lines.push('Postfix smtp_tls_policy_maps (keep the old digests until the old leaf is retired):');
    lines.push(...remedy.postfix.lines.map((l) => `  ${l}`), `  ${remedy.postfix.note}`);
  }
  if (remedy.tlsa?.length) {
    lines.push('TLSA records to publish (keep the old ones until the old leaf is retired):');
    lines.push(...remedy.tlsa.map((l) => `  ${l}`));
  }
  for (const anchor of remedy.anchors ?? []) {
    lines.push(
      `Add the anchor to the CA file: ${anchor.subject}`,
      `  sha256 ${anchor.sha256}`,
      `  from ${anchor.publishedAt}`,
    );
  }
  if (remedy.mx?.length) {
    lines.push('MTA-STS policy lines to add:', ...remedy.mx.map((l) => `  ${l}`));
  }
  return lines;
}

/** The words of a refused leaf; `word` names the notice (`policy mismatch`, `policy warning`). */
export function describeMismatch(f: PolicyMismatchFacts, where: string, word: string): NoticeWords {
  const share = Math.round(f.rollout.share * 100);
  return {
    title: `${word} on ${where}: ${f.keyType} leaf refused on ${f.rollout.serving} of ${f.rollout.total} addresses`,
    lines: [
      `Your policy refuses the ${f.keyType} leaf now served on ${f.addresses.join(', ')} (${share}% of the addresses answering so far).`,
      ...f.failures.map((x) => `  policy ${x.policy} ${x.kind}: ${x.reason}`),
      ...certLines(f.cert),
      ...remedyLines(f.remedy),
    ],
  };
}

/** An example refused leaf (for both types' examples). */
export const EXAMPLE_MISMATCH: PolicyMismatchFacts = {
  keyType: 'ecdsa',
  cert: EXAMPLE_CERT,
  addresses: ['192.0.2.10'],
  rollout: { serving: 1, total: 4, share: 0.25 },
  failures: [{ policy: 0, kind: 'pins', reason: 'no pin matches the leaf or its public key' }],
  remedy: {
    postfix: {
      lines: [`[smtp.gmail.com]:587 fingerprint match=${EXAMPLE_CERT.sha256}`],
      note: 'needs smtp_tls_fingerprint_digest = sha256',
    },
  },
};

export const POLICY_MISMATCH = defineNotice<PolicyMismatchFacts>()({
  type: 'POLICY_MISMATCH',
  severity: 'critical',
  dedupeKey: 'POLICY_MISMATCH#<target>#<sha256>#<generation>',
  key: (target: string, sha256: string, generation: number) => noticeKey('POLICY_MISMATCH', target, sha256, generation),
  describe: ({ facts }, where) => describeMismatch(facts, where, 'policy mismatch'),
  ...(NOTICE_DOCS && {
    when: 'the first time any address serves a leaf your `--policy` refuses (pins, CA file, TLSA, MTA-STS `enforce`): names the addresses, the rollout share so far and the remedy to paste',
    fields: POLICY_MISMATCH_FIELDS,
    example: {
      dedupeKey: noticeKey('POLICY_MISMATCH', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256, 0),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: EXAMPLE_MISMATCH,
    },
  }),
});
