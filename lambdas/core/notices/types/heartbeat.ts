/** HEARTBEAT: the optional weekly proof of life (lambdas/watch/heartbeat.ts builds it). */

import { noticeKey } from '../keys';
import { defineNotice } from '../kind';

/** The body of a HEARTBEAT notice (the contract's `{ message }`; the watcher adds what it watches). */
export interface HeartbeatNoticeFacts {
  message: string;
}

export const HEARTBEAT = defineNotice<HeartbeatNoticeFacts>()({
  type: 'HEARTBEAT',
  severity: 'info',
  when: 'the first cycle of each ISO week, when the heartbeat is on: what is watched, what is served, the next expiry',
  fields: {
    message:
      'one line: the week, targets, certificates and the next expiry (the body adds `period`, `watched`, `served`, `nextExpiry`)',
  },
  dedupeKey: 'HEARTBEAT#<ISO week>',
  key: (period: string) => noticeKey('HEARTBEAT', period),
  describe: ({ facts: f }) => ({ title: f.message, lines: [] }),
  example: {
    dedupeKey: noticeKey('HEARTBEAT', '2026-W23'),
    target: null,
    hosts: ['smtp.gmail.com'],
    facts: { message: 'heartbeat 2026-W23: 1 target, 2 certificates, next expiry in 54 days' },
  },
});
