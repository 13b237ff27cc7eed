/** PROBE_FAILING: a target has answered no probe for N consecutive cycles. */

import type { ProbeFailureFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a PROBE_FAILING notice. */
export interface ProbeFailingFacts {
  consecutiveFailures: number;
  failures: ProbeFailureFacts[];
}

export const PROBE_FAILING = defineNotice<ProbeFailingFacts>()({
  type: 'PROBE_FAILING',
  severity: 'warning',
  dedupeKey: 'PROBE_FAILING#<target>#v<state version>',
  key: (target: string, version: `v${number}`) => noticeKey('PROBE_FAILING', target, version),
  describe: ({ facts: f }, where) => ({
    title: `probes of ${where} failing for ${f.consecutiveFailures} cycles`,
    lines: f.failures.map((e) => `  ${e.address} ${e.keyType}: ${e.code} ${e.message}`),
  }),
  ...(NOTICE_DOCS && {
    when: 'after N consecutive cycles without any answer (default 3); a single timeout is not a notice',
    fields: {
      consecutiveFailures: 'cycles without any answer',
      failures: 'per failed probe: `address`, `keyType`, `code` (a probe error code), `message`',
    },
    example: {
      dedupeKey: noticeKey('PROBE_FAILING', 'smtp://mx.example.com:25', 'v7'),
      target: 'smtp://mx.example.com:25',
      hosts: ['mx.example.com'],
      facts: {
        consecutiveFailures: 3,
        failures: [
          { address: '192.0.2.25', keyType: 'rsa', code: 'CONNECT_TIMEOUT', message: 'no answer in 10000 ms' },
        ],
      },
    },
  }),
});
