/** TEST: proves the path to subscribers (`certwatch notify-test`). */

import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a TEST notice. */
export interface TestNoticeFacts {
  message: string;
}

export const TEST = defineNotice<TestNoticeFacts>()({
  type: 'TEST',
  severity: 'info',
  dedupeKey: 'TEST#<instant>',
  key: (at: string) => noticeKey('TEST', at),
  describe: ({ facts: f }) => ({ title: f.message, lines: [] }),
  ...(NOTICE_DOCS && {
    when: '`certwatch notify-test`: proves that notices reach subscribers',
    fields: { message: 'the test message' },
    example: {
      dedupeKey: noticeKey('TEST', '2026-06-01T00:00:00.000Z'),
      target: null,
      hosts: [],
      facts: { message: 'TEST notice from certwatch notify-test: delivery works, no action needed' },
    },
  }),
});
