/** HOSTNAME_MISMATCH: the leaf does not match the name it must. */
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of a HOSTNAME_MISMATCH notice. */
export interface HostnameMismatchFacts {
  keyType: KeyType;
  cert: CertFacts;
  expectedName: string;
  addresses: string[];
}

export const HOSTNAME_MISMATCH = defineNotice<HostnameMismatchFacts>()({
  type: 'HOSTNAME_MISMATCH',
  severity: 'critical',
  dedupeKey: 'HOSTNAME_MISMATCH#<target>#<sha256>',
  key: (target: string, sha256: string) => noticeKey('HOSTNAME_MISMATCH', target, sha256),
  describe: ({ facts: f }, where) => ({
    title: `hostname mismatch on ${where}: ${f.keyType} leaf is not valid for ${f.expectedName}`,
    lines: [
      `The ${f.keyType} leaf does not match ${f.expectedName}; it names: ${f.cert.sans.join(', ') || '(no SANs)'}.`,
      ...certLines(f.cert),
      `Served on: ${f.addresses.join(', ')}.`,
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'the leaf does not match the host name (or `--servername`)',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the leaf (certificate facts)',
      expectedName: 'the name it had to match',
      addresses: 'the addresses serving it',
    },
    example: {
      dedupeKey: noticeKey('HOSTNAME_MISMATCH', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: { keyType: 'ecdsa', cert: EXAMPLE_CERT, expectedName: 'mail.example.com', addresses: ['192.0.2.10'] },
    },
  }),
});
