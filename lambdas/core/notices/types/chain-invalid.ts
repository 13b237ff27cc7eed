/** CHAIN_INVALID: the served chain does not validate. */
import type { KeyType, ValidationErrorCode } from '../../observation';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of a CHAIN_INVALID notice. */
export interface ChainInvalidFacts {
  keyType: KeyType;
  cert: CertFacts;
  chain: string[];
  error: { code: ValidationErrorCode | 'UNKNOWN'; message: string };
  addresses: string[];
}

export const CHAIN_INVALID = defineNotice<ChainInvalidFacts>()({
  type: 'CHAIN_INVALID',
  severity: 'critical',
  dedupeKey: 'CHAIN_INVALID#<target>#<sha256>#<error code>',
  key: (target: string, sha256: string, code: string) => noticeKey('CHAIN_INVALID', target, sha256, code),
  describe: ({ facts: f }, where) => ({
    title: `invalid ${f.keyType} chain on ${where}: ${f.error.code}`,
    lines: [
      `The ${f.keyType} chain does not validate: ${f.error.message}`,
      ...certLines(f.cert),
      `Served on: ${f.addresses.join(', ')}.`,
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'the served chain does not validate (once per leaf and validation error code)',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the leaf (certificate facts)',
      chain: 'the presented chain, sha256 of each certificate, leaf first',
      error: '`code` (a validation error code, or UNKNOWN) and `message`',
      addresses: 'the addresses serving it',
    },
    example: {
      dedupeKey: noticeKey('CHAIN_INVALID', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256, 'UNTRUSTED_ROOT'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        chain: [EXAMPLE_CERT.sha256],
        error: { code: 'UNTRUSTED_ROOT', message: 'no path to a trusted anchor' },
        addresses: ['192.0.2.10'],
      },
    },
  }),
});
