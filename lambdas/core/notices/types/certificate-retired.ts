/** CERTIFICATE_RETIRED: every address that served a leaf has moved on or gone stale (rollout complete). */
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { type CertFacts, EXAMPLE_CERT, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, daysText, shortSha } from '../text';

/** Where a retired leaf went: per address that served it, what replaced it (null = gone stale). */
export interface ReplacedOnFacts {
  address: string;
  /** The leaf last observed there, or null when the address has gone unobserved past the stale window. */
  by: string | null;
  /** When the address was last observed. */
  at: string;
}

/**
 * How a retirement was decided (docs/rollouts.md): `rule` = the weakest release among the addresses that
 * served the leaf (`sampling` — cycles without it at a share that makes its continued service improbable;
 * `duration` — absent for the address's window; `stale` — addresses unobserved past their window;
 * `withdrawn` — its key type is offered nowhere any more); `predicted` = the false-retirement probability
 * the sampling test allowed for it (0 unless sampling decided), `looks` = cycles of the rollout the test ran.
 */
export interface RetirementEvidenceFacts {
  rule: 'sampling' | 'duration' | 'stale' | 'withdrawn';
  predicted: number;
  looks: number;
}

/** How a retirement was decided, in words. */
const RETIREMENT_WORDS: Record<RetirementEvidenceFacts['rule'], (predicted: number) => string> = {
  sampling: (p) =>
    `Decided on sampling evidence: continued service is improbable (false-retirement probability <= ${p < 0.0001 ? '0.01' : Math.round(p * 10000) / 100} %).`,
  duration: () => 'Decided on duration: not seen for the stale window of watched time.',
  stale: () => 'Decided on staleness: the addresses that served it have gone unobserved past their window.',
  withdrawn: () => 'Its key type is offered by no address any more (KEY_TYPE_WITHDRAWN).',
};

/** The body of a CERTIFICATE_RETIRED notice. */
export interface CertificateRetiredFacts {
  keyType: KeyType;
  cert: CertFacts;
  firstSeen: string;
  lastSeen: string;
  /** Every address that served it. */
  addresses: string[];
  replacedOn: ReplacedOnFacts[];
  /** The leaves that replaced it (what its addresses serve now). */
  successors: CertFacts[];
  /** How the retirement was decided (absent on notices of earlier releases). */
  evidence?: RetirementEvidenceFacts;
  targets?: SharedTargetFacts[];
}

export const CERTIFICATE_RETIRED = defineNotice<CertificateRetiredFacts>()({
  type: 'CERTIFICATE_RETIRED',
  severity: 'info',
  dedupeKey: 'CERTIFICATE_RETIRED#<target>#<sha256>#r<retirements before this one>',
  key: (target: string, sha256: string, retirement: `r${number}`) =>
    noticeKey('CERTIFICATE_RETIRED', target, sha256, retirement),
  shared: { event: (f) => f.cert.sha256, member: (f) => ({ addresses: f.addresses }) },
  describe: ({ facts: f }, where) => {
    const by = f.successors.map((s) => `${commonName(s.subject)} (sha256 ${shortSha(s.sha256)})`).join(', ');
    return {
      title: `${f.keyType} certificate ${shortSha(f.cert.sha256)} retired on ${where}`,
      lines: [
        `Rollout complete: every address that served it has moved on${by ? ` to ${by}` : ''} (first seen ${f.firstSeen}, last seen ${f.lastSeen}).`,
        ...(f.evidence ? [RETIREMENT_WORDS[f.evidence.rule](f.evidence.predicted)] : []),
        ...certLines(f.cert),
        ...f.replacedOn.map(
          (r) =>
            `  ${r.address}: ${r.by ? `serves ${shortSha(r.by)} (observed ${r.at})` : `unobserved since ${r.at} (stale)`}`,
        ),
        ...f.successors.map(
          (s) => `Replaced by ${commonName(s.subject)} (sha256 ${shortSha(s.sha256)}, ${daysText(s.daysLeft)}).`,
        ),
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when: 'every address that served a leaf has let it go (stale, absent for the window of watched time, or improbable on sampling evidence: docs/rollouts.md): rollout complete, once per disappearance; names what replaced it and how it was decided',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the retired leaf (certificate facts)',
      firstSeen: 'when it was first seen (ISO 8601)',
      lastSeen: 'when it was last seen',
      addresses: 'every address that served it',
      replacedOn:
        'per address: `address`, `by` (the leaf served there now, or null when gone stale), `at` (last observed)',
      successors: 'the leaves that replaced it (certificate facts)',
      evidence:
        'how it was decided: `rule` (`sampling`, `duration`, `stale` or `withdrawn`), `predicted` (the false-retirement probability the sampling test allowed, else 0), `looks` (cycles of the rollout the test ran)',
      targets: 'when several targets served it: per target `target`, `host`, `addresses`',
    },
    example: {
      dedupeKey: noticeKey('CERTIFICATE_RETIRED', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256, 'r0'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        firstSeen: '2026-05-05T00:00:00.000Z',
        lastSeen: '2026-06-01T00:00:00.000Z',
        addresses: ['192.0.2.10'],
        replacedOn: [{ address: '192.0.2.10', by: null, at: '2026-06-01T00:00:00.000Z' }],
        successors: [],
        evidence: { rule: 'sampling', predicted: 0.0004, looks: 212 },
      },
    },
  }),
});
