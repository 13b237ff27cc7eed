/** REVOCATION_UNKNOWN: no trusted revocation answer for a served leaf for a whole day (docs/revocation.md). */
import type { KeyType } from '../../observation';
import type { RevocationError } from '../../revocation/model';
import { type CertFacts, EXAMPLE_CERT, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of a REVOCATION_UNKNOWN notice. */
export interface RevocationUnknownFacts {
  keyType: KeyType;
  cert: CertFacts;
  /** The first cycle of the streak (ISO 8601): every cycle since found the status unknown. */
  since: string;
  /** Why, as the last cycle found it (every source's reason in the message). */
  error: RevocationError;
  addresses: string[];
  targets?: SharedTargetFacts[];
}

export const REVOCATION_UNKNOWN = defineNotice<RevocationUnknownFacts>()({
  type: 'REVOCATION_UNKNOWN',
  severity: 'warning',
  dedupeKey: 'REVOCATION_UNKNOWN#<target>#<sha256>#<since>',
  key: (target: string, sha256: string, since: string) => noticeKey('REVOCATION_UNKNOWN', target, sha256, since),
  shared: { event: (f) => f.cert.sha256, member: (f) => ({ addresses: f.addresses }) },
  describe: ({ facts: f }, where) => ({
    title: `${f.keyType} certificate on ${where}: revocation status unknown for a day`,
    lines: [
      `No CRL or OCSP answer certwatch could trust for this leaf since ${f.since} (${f.error.code}): ${f.error.message}`,
      ...certLines(f.cert),
      `Served on: ${f.addresses.join(', ')}.`,
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a served leaf that names a revocation source has had no trusted answer in any cycle for 24 hours (at least two cycles) — never on one failed fetch, never for a leaf that names no source; once per streak',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the leaf (certificate facts)',
      since: 'the first cycle of the streak (ISO 8601)',
      error: "`code` and `message`: why, as the last cycle found it (every source's reason)",
      addresses: 'the addresses serving it',
      targets: 'when several targets serve it: per target `target`, `host`, `addresses`',
    },
    example: {
      dedupeKey: noticeKey(
        'REVOCATION_UNKNOWN',
        'smtp://smtp.gmail.com:587',
        EXAMPLE_CERT.sha256,
        '2026-06-01T08:00:00.000Z',
      ),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        since: '2026-06-01T08:00:00.000Z',
        error: {
          code: 'FETCH_FAILED',
          message:
            'ocsp http://o.pki.goog/wr2: no complete answer in 10000 ms; crl http://c.pki.goog/wr2/oQ6nyr8F0m0.crl: HTTP 503 from c.pki.goog',
        },
        addresses: ['192.0.2.10'],
      },
    },
  }),
});
