/** POLICY_WARNING: as POLICY_MISMATCH, for a rule whose failure is a warning (MTA-STS `testing`). */
import { EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import {
  describeMismatch,
  EXAMPLE_MISMATCH,
  POLICY_MISMATCH_FIELDS,
  type PolicyMismatchFacts,
} from './policy-mismatch';

export const POLICY_WARNING = defineNotice<PolicyMismatchFacts>()({
  type: 'POLICY_WARNING',
  severity: 'warning',
  dedupeKey: 'POLICY_WARNING#<target>#<sha256>#<generation>',
  key: (target: string, sha256: string, generation: number) => noticeKey('POLICY_WARNING', target, sha256, generation),
  describe: ({ facts }, where) => describeMismatch(facts, where, 'policy warning'),
  ...(NOTICE_DOCS && {
    when: 'as POLICY_MISMATCH for a rule whose failure is a warning (MTA-STS `testing`)',
    fields: POLICY_MISMATCH_FIELDS,
    example: {
      dedupeKey: noticeKey('POLICY_WARNING', 'smtp://mx.example.com:25', EXAMPLE_CERT.sha256, 0),
      target: 'smtp://mx.example.com:25',
      hosts: ['mx.example.com'],
      facts: {
        ...EXAMPLE_MISMATCH,
        failures: [{ policy: 1, kind: 'mtaSts', reason: 'mx.example.com does not match the policy mx patterns' }],
        remedy: { mx: ['mx: mx.example.com'] },
      },
    },
  }),
});
