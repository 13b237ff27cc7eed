/** MX_CHANGED: the MX hosts of an `mx:DOMAIN` entry changed. */

import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** One MX host of a domain with its preference (lower = preferred). */
export interface MxHostFacts {
  host: string;
  preference: number;
}

/** The body of an MX_CHANGED notice. */
export interface MxChangedFacts {
  domain: string;
  /** The MX hosts now, in preference order. */
  hosts: MxHostFacts[];
  previous: MxHostFacts[];
  added: string[];
  removed: string[];
}

export const MX_CHANGED = defineNotice<MxChangedFacts>()({
  type: 'MX_CHANGED',
  severity: 'warning',
  dedupeKey: 'MX_CHANGED#<domain>#<revision of the stored MX record>',
  key: (domain: string, rev: number) => noticeKey('MX_CHANGED', domain, rev),
  describe: ({ facts: f }) => {
    const change = [f.added.length ? `+${f.added.length}` : '', f.removed.length ? `-${f.removed.length}` : ''].filter(
      Boolean,
    );
    return {
      title: `MX hosts of ${f.domain} changed (${change.join(' ')})`,
      lines: [
        ...f.added.map((h) => `  + ${h}`),
        ...f.removed.map((h) => `  - ${h}`),
        `  now: ${f.hosts.map((h) => `${h.preference} ${h.host}`).join(', ') || '(none)'}`,
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when: 'the MX hosts of an `mx:DOMAIN` entry changed: hosts added and removed (a new order alone is no notice)',
    fields: {
      domain: 'the domain',
      hosts: 'the MX hosts now, in preference order: `host`, `preference`',
      previous: 'the MX hosts before',
      added: 'hosts added',
      removed: 'hosts removed',
    },
    example: {
      dedupeKey: noticeKey('MX_CHANGED', 'example.com', 3),
      target: 'mx:example.com',
      hosts: ['mx3.example.com', 'mx2.example.com'],
      facts: {
        domain: 'example.com',
        hosts: [
          { host: 'mx1.example.com', preference: 10 },
          { host: 'mx3.example.com', preference: 20 },
        ],
        previous: [
          { host: 'mx1.example.com', preference: 10 },
          { host: 'mx2.example.com', preference: 20 },
        ],
        added: ['mx3.example.com'],
        removed: ['mx2.example.com'],
      },
    },
  }),
});
