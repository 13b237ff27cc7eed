/** EXPIRED: an expired certificate is served. */
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of an EXPIRED notice. */
export interface ExpiredFacts {
  keyType: KeyType;
  cert: CertFacts;
  addresses: string[];
}

export const EXPIRED = defineNotice<ExpiredFacts>()({
  type: 'EXPIRED',
  severity: 'critical',
  dedupeKey: 'EXPIRED#<target>#<sha256>',
  key: (target: string, sha256: string) => noticeKey('EXPIRED', target, sha256),
  describe: ({ facts: f }, where) => ({
    title: `EXPIRED ${f.keyType} ${f.cert.role === 'leaf' ? '' : 'intermediate '}certificate served on ${where}`,
    lines: [`An expired certificate is being served on ${f.addresses.join(', ')}.`, ...certLines(f.cert)],
  }),
  ...(NOTICE_DOCS && {
    when: 'an expired certificate (leaf or intermediate) is served',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the expired certificate (certificate facts; `role` leaf or chain)',
      addresses: 'the addresses serving it',
    },
    example: {
      dedupeKey: noticeKey('EXPIRED', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: { keyType: 'ecdsa', cert: { ...EXAMPLE_CERT, daysLeft: -1.5 }, addresses: ['192.0.2.10'] },
    },
  }),
});
