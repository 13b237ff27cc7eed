/** POLICY_SATISFIED: every chain judged passes the consumer policy again. */
import { EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a POLICY_SATISFIED notice. */
export interface PolicySatisfiedFacts {
  /** Leaves that had been refused (sha256). */
  leaves: string[];
  /** Addresses judged this cycle. */
  addresses: string[];
}

export const POLICY_SATISFIED = defineNotice<PolicySatisfiedFacts>()({
  type: 'POLICY_SATISFIED',
  severity: 'info',
  dedupeKey: 'POLICY_SATISFIED#<target>#<sha256>:<generation>[#<sha256>:<generation> of each further leaf closed]',
  key: (target: string, ...closed: string[]) => noticeKey('POLICY_SATISFIED', target, ...closed),
  describe: ({ facts: f }, where) => ({
    title: `policy satisfied again on ${where}`,
    lines: [
      `Every chain judged on ${f.addresses.join(', ')} passes your policy again.`,
      ...f.leaves.map((sha) => `  previously refused: sha256 ${sha}`),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'every chain judged passes the policy again (remedy applied, or the refused leaf is gone)',
    fields: {
      leaves: 'sha256 of the leaves that had been refused',
      addresses: 'the addresses judged this cycle',
    },
    example: {
      dedupeKey: noticeKey('POLICY_SATISFIED', 'smtp://smtp.gmail.com:587', `${EXAMPLE_CERT.sha256}:0`),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: { leaves: [EXAMPLE_CERT.sha256], addresses: ['192.0.2.10', '192.0.2.11'] },
    },
  }),
});
