/** CERTIFICATE_REVOKED: a served certificate's CA has revoked it (docs/revocation.md). */
import type { KeyType } from '../../observation';
import type { RevocationReason, RevocationSource } from '../../revocation/model';
import { type CertFacts, EXAMPLE_CERT, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of a CERTIFICATE_REVOKED notice. */
export interface CertificateRevokedFacts {
  keyType: KeyType;
  cert: CertFacts;
  /** When the CA revoked it (ISO 8601), and why (RFC 5280's name). */
  revokedAt: string | null;
  reason: RevocationReason;
  /** The trusted answer that says so. */
  source: RevocationSource;
  url: string | null;
  /** The addresses still serving it. */
  addresses: string[];
  /** When it was first announced here (ISO 8601). */
  firstNoticedAt: string;
  /** The UTC day of a daily reminder while it is still served; null for the first notice. */
  reminderDay: string | null;
  targets?: SharedTargetFacts[];
}

export const CERTIFICATE_REVOKED = defineNotice<CertificateRevokedFacts>()({
  type: 'CERTIFICATE_REVOKED',
  severity: 'critical',
  dedupeKey: 'CERTIFICATE_REVOKED#<target>#<sha256>[#<reminder day>]',
  key: (target: string, sha256: string, reminderDay?: string) =>
    reminderDay === undefined
      ? noticeKey('CERTIFICATE_REVOKED', target, sha256)
      : noticeKey('CERTIFICATE_REVOKED', target, sha256, reminderDay),
  shared: {
    event: (f) => `${f.cert.sha256}#${f.reminderDay ?? 'first'}`,
    member: (f) => ({ addresses: f.addresses }),
  },
  describe: ({ facts: f }, where) => {
    const what = `${f.keyType} ${f.cert.role === 'leaf' ? '' : 'intermediate '}certificate`;
    const from = f.source === 'stapled' ? 'the stapled OCSP response' : `${f.source.toUpperCase()} ${f.url}`;
    return {
      title: `${f.reminderDay ? 'Still serving ' : ''}REVOKED ${what} on ${where} (${f.reason})`,
      lines: [
        `Its CA revoked this certificate${f.revokedAt ? ` at ${f.revokedAt}` : ''} (${f.reason}), says ${from}; clients that check revocation refuse it.`,
        ...certLines(f.cert),
        `Still served on: ${f.addresses.join(', ')}.`,
        ...(f.reminderDay ? [`First announced ${f.firstNoticedAt}; reminded daily while it is served.`] : []),
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when: 'a served leaf or intermediate is revoked by its CA (a trusted CRL, OCSP or stapled answer) — once per certificate, naming every target and address still serving it, then a daily reminder while it is served',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the revoked certificate (certificate facts; `role` leaf or chain)',
      revokedAt: 'the revocation time (ISO 8601)',
      reason: "RFC 5280's reason name, e.g. `keyCompromise` (`unspecified` when the CA gave none)",
      source: '`crl`, `ocsp` or `stapled`: the trusted answer that says so',
      url: 'the CRL or OCSP URL (null for a stapled response)',
      addresses: 'the addresses still serving it',
      firstNoticedAt: 'when it was first announced at this target (ISO 8601)',
      reminderDay: 'the UTC day (YYYY-MM-DD) of a daily reminder; null for the first notice',
      targets: 'when several targets serve it: per target `target`, `host`, `addresses`',
    },
    example: {
      dedupeKey: noticeKey('CERTIFICATE_REVOKED', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        revokedAt: '2026-06-01T08:00:00.000Z',
        reason: 'keyCompromise',
        source: 'crl',
        url: 'http://c.pki.goog/wr2/oQ6nyr8F0m0.crl',
        addresses: ['192.0.2.10', '192.0.2.11'],
        firstNoticedAt: '2026-06-01T08:15:00.000Z',
        reminderDay: null,
      },
    },
  }),
});
