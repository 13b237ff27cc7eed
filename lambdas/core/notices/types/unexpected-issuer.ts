/** UNEXPECTED_ISSUER: a certificate for a watched host from a CA operator never seen serving it. */
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { EXAMPLE_LOGGED, type LoggedCertificateFacts, loggedLines } from './certificate-issued';

/** The body of an UNEXPECTED_ISSUER notice. */
export interface UnexpectedIssuerFacts extends LoggedCertificateFacts {
  /** Per host: the CA operators its targets were seen served by. */
  seen: Array<{ host: string; operators: string[] }>;
}

export const UNEXPECTED_ISSUER = defineNotice<UnexpectedIssuerFacts>()({
  type: 'UNEXPECTED_ISSUER',
  severity: 'critical',
  dedupeKey: 'UNEXPECTED_ISSUER#<link key>',
  key: (linkKey: string) => noticeKey('UNEXPECTED_ISSUER', linkKey),
  describe: ({ facts: f }) => ({
    title: `unexpected issuer ${f.operator} for ${f.hosts.join(', ')}`,
    lines: [
      `A certificate for ${f.hosts.join(', ')} was logged by ${f.operator}, a CA never seen serving it:`,
      ...loggedLines(f),
      ...f.seen.map((s) => `  ${s.host} was served by: ${s.operators.join(', ')}`),
      'If you did not ask for it, contact the CA (revocation) and check who can validate your domain.',
    ],
  }),
  ...(NOTICE_DOCS && {
    when:
      'a CT log shows a certificate for a watched host from a CA operator never seen serving it (nor in ' +
      '`expectIssuers`): possible mis-issuance. Compared by operator, so a CA rotating its own intermediates is no alarm',
    fields: {
      linkKey: 'as CERTIFICATE_ISSUED',
      names: 'the dNSNames of the certificate',
      hosts: 'the watched hosts it covers',
      targets: 'the watched targets at those hosts',
      subject: 'subject DN',
      issuer: 'issuer DN',
      operator: 'the unexpected CA operator',
      root: 'the root the logged chain leads to, or null',
      serial: 'serial number, hex',
      notBefore: 'ISO 8601',
      notAfter: 'ISO 8601',
      keyAlgorithm: 'e.g. `ECDSA P-256`',
      spkiSha256: 'base64 SHA-256 of the public key',
      precertificate: 'true when only the precertificate was logged',
      sha256: 'SHA-256 of the final certificate, or null',
      logs: 'per log entry: `log`, `logId`, `index`, `timestamp`, `form`',
      loggedAt: 'the earliest entry timestamp',
      seen: 'per host: `host` and the `operators` seen serving it',
    },
    example: {
      dedupeKey: noticeKey('UNEXPECTED_ISSUER', EXAMPLE_LOGGED.linkKey),
      target: null,
      hosts: ['smtp.gmail.com'],
      facts: {
        ...EXAMPLE_LOGGED,
        issuer: "C=US, O=Let's Encrypt, CN=R11",
        operator: "Let's Encrypt",
        root: 'C=US, O=Internet Security Research Group, CN=ISRG Root X1',
        seen: [{ host: 'smtp.gmail.com', operators: ['Google Trust Services'] }],
      },
    },
  }),
});
