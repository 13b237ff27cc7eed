/** PROBE_RECOVERED: a target that was PROBE_FAILING answers again. */

import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { plural } from '../text';

/** The body of a PROBE_RECOVERED notice. */
export interface ProbeRecoveredFacts {
  failedCycles: number;
  addresses: string[];
}

export const PROBE_RECOVERED = defineNotice<ProbeRecoveredFacts>()({
  type: 'PROBE_RECOVERED',
  severity: 'info',
  dedupeKey: 'PROBE_RECOVERED#<target>#v<state version>',
  key: (target: string, version: `v${number}`) => noticeKey('PROBE_RECOVERED', target, version),
  describe: ({ facts: f }, where) => ({
    title: `probes of ${where} answer again`,
    lines: [`${where} answers again after ${plural(f.failedCycles, 'failed cycle')}.`],
  }),
  ...(NOTICE_DOCS && {
    when: 'a target that was PROBE_FAILING answers again',
    fields: {
      failedCycles: 'cycles it had failed',
      addresses: 'the addresses probed this cycle',
    },
    example: {
      dedupeKey: noticeKey('PROBE_RECOVERED', 'smtp://mx.example.com:25', 'v9'),
      target: 'smtp://mx.example.com:25',
      hosts: ['mx.example.com'],
      facts: { failedCycles: 4, addresses: ['192.0.2.25'] },
    },
  }),
});
