/** MTA_STS_CHANGED: the MTA-STS policy of a domain changed mode, `mx` patterns or max_age. */
import type { MtaStsPolicy } from '../../policy/model';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of an MTA_STS_CHANGED notice. */
export interface MtaStsChangedFacts {
  domain: string;
  previous: MtaStsPolicy;
  current: MtaStsPolicy;
}

/** What of a policy a change is noticed on: mode, max_age and the `mx` patterns (order-free). */
export function mtaStsText(p: MtaStsPolicy | undefined): string {
  return p ? `${p.mode}|${p.maxAge}|${[...p.mx].sort().join(',')}` : '';
}

export const MTA_STS_CHANGED = defineNotice<MtaStsChangedFacts>()({
  type: 'MTA_STS_CHANGED',
  severity: 'warning',
  dedupeKey: 'MTA_STS_CHANGED#<domain>#<previous id>#<previous mode|max_age|mx>#<id>#<mode|max_age|mx>',
  key: (domain: string, previous: MtaStsPolicy, current: MtaStsPolicy) =>
    noticeKey('MTA_STS_CHANGED', domain, previous.id, mtaStsText(previous), current.id, mtaStsText(current)),
  describe: ({ facts: f }) => {
    const show = (p: MtaStsPolicy) =>
      `mode ${p.mode}, max_age ${p.maxAge}, mx ${p.mx.join(' ') || '(none)'} (id ${p.id})`;
    return {
      title: `MTA-STS policy of ${f.domain} changed: ${f.previous.mode} -> ${f.current.mode}`,
      lines: [`  before ${show(f.previous)}`, `  now    ${show(f.current)}`],
    };
  },
  ...(NOTICE_DOCS && {
    when: 'the MTA-STS policy of a `mtaSts` domain changed mode, `mx` patterns or max_age (once per change, whichever target saw it)',
    fields: {
      domain: 'the policy domain',
      previous: 'the policy before: `mode`, `mx` patterns, `maxAge`, `id` of its TXT record',
      current: 'the policy now',
    },
    example: {
      dedupeKey: noticeKey(
        'MTA_STS_CHANGED',
        'example.com',
        '20260101',
        'testing|86400|mx.example.com',
        '20260601',
        'enforce|604800|mx.example.com',
      ),
      target: 'smtp://mx.example.com:25',
      hosts: ['mx.example.com'],
      facts: {
        domain: 'example.com',
        previous: { mode: 'testing', mx: ['mx.example.com'], maxAge: 86400, id: '20260101' },
        current: { mode: 'enforce', mx: ['mx.example.com'], maxAge: 604800, id: '20260601' },
      },
    },
  }),
});
