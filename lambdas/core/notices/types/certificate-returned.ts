/** CERTIFICATE_RETURNED: a retired leaf is served again (a rollback). */
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { type CertFacts, EXAMPLE_CERT, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, daysText, hoursText, shortSha } from '../text';

/** The body of a CERTIFICATE_RETURNED notice. */
export interface CertificateReturnedFacts {
  keyType: KeyType;
  cert: CertFacts;
  /** The addresses serving it again. */
  addresses: string[];
  retiredAt: string;
  /** When it was last observed before it went. */
  lastSeen: string;
  /** Hours from `lastSeen` to this cycle, one decimal. */
  goneHours: number;
  /** The leaves those addresses served before (the ones it displaces). */
  displaces: CertFacts[];
  targets?: SharedTargetFacts[];
}

export const CERTIFICATE_RETURNED = defineNotice<CertificateReturnedFacts>()({
  type: 'CERTIFICATE_RETURNED',
  severity: 'warning',
  dedupeKey: 'CERTIFICATE_RETURNED#<target>#<sha256>#r<retirements so far>',
  key: (target: string, sha256: string, retirement: `r${number}`) =>
    noticeKey('CERTIFICATE_RETURNED', target, sha256, retirement),
  shared: { event: (f) => f.cert.sha256, member: (f) => ({ addresses: f.addresses }) },
  describe: ({ facts: f }, where) => ({
    title: `retired ${f.keyType} certificate ${shortSha(f.cert.sha256)} served again on ${where}`,
    lines: [
      `A leaf retired at ${f.retiredAt} is served again on ${f.addresses.join(', ')} after ${hoursText(f.goneHours)} gone (a rollback?).`,
      ...certLines(f.cert),
      ...f.displaces.map(
        (d) => `It displaces ${commonName(d.subject)} (sha256 ${shortSha(d.sha256)}, ${daysText(d.daysLeft)}).`,
      ),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a retired leaf is served again (a rollback): the addresses, how long it was gone, the leaf it displaces; it is active again, and its next disappearance is one more RETIRED',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the returned leaf (certificate facts)',
      addresses: 'the addresses serving it again',
      retiredAt: 'when it was retired',
      lastSeen: 'when it was last observed before it went',
      goneHours: 'hours from `lastSeen` to this cycle, one decimal',
      displaces: 'the leaves those addresses served before (certificate facts)',
      targets: 'when several targets serve it again: per target `target`, `host`, `addresses`',
    },
    example: {
      dedupeKey: noticeKey('CERTIFICATE_RETURNED', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256, 'r1'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        addresses: ['192.0.2.10'],
        retiredAt: '2026-06-01T00:00:00.000Z',
        lastSeen: '2026-05-29T00:00:00.000Z',
        goneHours: 96,
        displaces: [],
      },
    },
  }),
});
