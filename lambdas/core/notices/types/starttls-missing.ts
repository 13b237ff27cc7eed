/** STARTTLS_MISSING: a target that offered STARTTLS stops offering it (a downgrade to plaintext). */

import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a STARTTLS_MISSING notice. */
export interface StarttlsMissingFacts {
  addresses: string[];
  banner: string | null;
  ehlo: string[];
}

export const STARTTLS_MISSING = defineNotice<StarttlsMissingFacts>()({
  type: 'STARTTLS_MISSING',
  severity: 'critical',
  dedupeKey: 'STARTTLS_MISSING#<target>#v<state version>',
  key: (target: string, version: `v${number}`) => noticeKey('STARTTLS_MISSING', target, version),
  describe: ({ facts: f }, where) => ({
    title: `STARTTLS no longer offered on ${where}`,
    lines: [
      `${where} offered STARTTLS before and now does not on ${f.addresses.join(', ')}: mail to it may travel in plaintext.`,
      `  EHLO     ${f.ehlo.join(' ') || '(none)'}`,
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a target that offered STARTTLS stops offering it (downgrade to plaintext)',
    fields: {
      addresses: 'the addresses that no longer offer it',
      banner: 'the SMTP greeting of the first such address, or null',
      ehlo: 'its EHLO keywords',
    },
    example: {
      dedupeKey: noticeKey('STARTTLS_MISSING', 'smtp://mx.example.com:25', 'v12'),
      target: 'smtp://mx.example.com:25',
      hosts: ['mx.example.com'],
      facts: {
        addresses: ['192.0.2.25'],
        banner: '220 mx.example.com ESMTP',
        ehlo: ['mx.example.com', 'PIPELINING', 'SIZE 10240000'],
      },
    },
  }),
});
