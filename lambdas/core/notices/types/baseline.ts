/** BASELINE: what a target serves at first light, one notice per cycle for every target that saw it. */
import { createHash } from 'node:crypto';
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { type CertFacts, EXAMPLE_CERT, type ProbeFailureFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { daysText, plural, shortSha, targetLines } from '../text';

/** What a target serves, as the baseline summarises it. */
export interface BaselineTargetFacts {
  target: string;
  host: string;
  addresses: string[];
  /** The key types whose baseline this is (first cycle with a successful observation). */
  keyTypes: KeyType[];
  leaves: Array<CertFacts & { keyType: KeyType; addresses: string[] }>;
  failures: ProbeFailureFacts[];
}

/** The body of a BASELINE notice. */
export interface BaselineFacts {
  targets: BaselineTargetFacts[];
}

/**
 * The dedupe key of a baseline over a set of targets and the target × key type pairs it records
 * (order-free; hashed to stay short).
 */
export function baselineKey(targets: readonly string[], pairs: readonly string[] = []): string {
  const digest = createHash('sha256')
    .update([...targets].sort().join('\n'))
    .update(pairs.length > 0 ? `\n\n${[...new Set(pairs)].sort().join('\n')}` : '')
    .digest('hex')
    .slice(0, 32);
  return noticeKey('BASELINE', digest);
}

export const BASELINE = defineNotice<BaselineFacts>()({
  type: 'BASELINE',
  severity: 'info',
  dedupeKey: 'BASELINE#<digest of the cycle targets and the target × key type pairs>[#<part>]',
  key: (cycleTargets: readonly string[], pairs: readonly string[], part: number) =>
    baselineKey(cycleTargets, pairs) + (part === 0 ? '' : `#${part}`),
  describe: ({ facts: f }) => {
    const leaves = f.targets.reduce((n, t) => n + t.leaves.length, 0);
    const title = `baseline recorded: ${plural(f.targets.length, 'target')}, ${plural(leaves, 'certificate')}`;
    const lines = f.targets.flatMap((t) => [
      `${t.target} (${plural(t.addresses.length, 'address', 'addresses')})`,
      ...t.leaves.map(
        (l) =>
          `  ${l.keyType.padEnd(5)} ${commonName(l.subject)} by ${commonName(l.issuer)}, ${daysText(l.daysLeft)}, sha256 ${shortSha(l.sha256)}`,
      ),
      ...t.failures.map((e) => `  ${e.keyType.padEnd(5)} ${e.address}: ${e.code} ${e.message}`),
    ]);
    // A baseline of several targets ends with the list of targets and their addresses, as it always has.
    return { title, lines: [...lines, ...targetLines(f.targets)] };
  },
  ...(NOTICE_DOCS && {
    when: 'first light of a target × key type (its first cycle with a successful observation): one summary per cycle of what is served, no storm; its leaves are never NEW_CERTIFICATE',
    fields: {
      targets:
        'per target: `target`, `host`, `addresses`, `keyTypes` baselined, `leaves` (certificate facts with `keyType` and `addresses`), `failures`',
    },
    example: {
      dedupeKey: baselineKey(['smtp://smtp.gmail.com:587'], ['smtp://smtp.gmail.com:587#ecdsa']),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        targets: [
          {
            target: 'smtp://smtp.gmail.com:587',
            host: 'smtp.gmail.com',
            addresses: ['192.0.2.10'],
            keyTypes: ['ecdsa'],
            leaves: [{ ...EXAMPLE_CERT, keyType: 'ecdsa', addresses: ['192.0.2.10'] }],
            failures: [],
          },
        ],
      },
    },
  }),
});
