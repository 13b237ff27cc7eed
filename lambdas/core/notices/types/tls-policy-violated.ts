/** TLS_POLICY_VIOLATED: a `--require` rule starts failing (posture cycle). */
import type { PolicyVerdict } from '../../posture/posture';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a TLS_POLICY_VIOLATED notice. */
export interface TlsPolicyViolatedFacts {
  address: string;
  failing: PolicyVerdict[];
}

export const TLS_POLICY_VIOLATED = defineNotice<TlsPolicyViolatedFacts>()({
  type: 'TLS_POLICY_VIOLATED',
  severity: 'critical',
  dedupeKey: 'TLS_POLICY_VIOLATED#<target>#<address>#<rules, comma-separated>#<posture digest>',
  key: (target: string, address: string, rules: readonly string[], digest: string) =>
    noticeKey('TLS_POLICY_VIOLATED', target, address, rules.join(','), digest),
  describe: ({ facts: f }, where) => ({
    title: `TLS policy violated on ${where} (${f.address}): ${f.failing.map((v) => v.rule).join(', ')}`,
    lines: f.failing.map((v) => `  ${v.rule}: ${v.detail}`),
  }),
  ...(NOTICE_DOCS && {
    when: 'a `--require` rule starts failing on an address (posture cycle)',
    fields: {
      address: 'the address enumerated',
      failing: 'the rules that started failing: `rule` as written, `ok`, `detail`',
    },
    example: {
      dedupeKey: noticeKey('TLS_POLICY_VIOLATED', 'smtp://smtp.gmail.com:587', '192.0.2.10', 'no-3des', '5a6b7c8d'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        address: '192.0.2.10',
        failing: [{ rule: 'no-3des', ok: false, detail: 'accepts TLSv1 TLS_RSA_WITH_3DES_EDE_CBC_SHA' }],
      },
    },
  }),
});
