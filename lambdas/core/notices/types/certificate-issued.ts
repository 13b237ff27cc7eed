/**
 * CERTIFICATE_ISSUED: a certificate for a watched host was logged in Certificate Transparency, not yet served.
 * Its facts are shared by the other CT certificate notices (POLICY_FORECAST, UNEXPECTED_ISSUER). docs/ct.md.
 */
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { plural } from '../text';

/** One log entry of a logged certificate. */
export interface CtLogEntryFacts {
  /** The log's name in the list, and its log_id. */
  log: string;
  logId: string;
  index: number;
  /** The entry's timestamp (the SCT's), ISO 8601. */
  timestamp: string;
  form: 'precertificate' | 'certificate';
}

/** A logged certificate, as the CT notices describe it. */
export interface LoggedCertificateFacts {
  /** SHA-256 of the TBS without the poison and SCT-list extensions: the same for both forms and the served leaf. */
  linkKey: string;
  /** dNSNames of the certificate. */
  names: string[];
  /** Watched hosts it covers. */
  hosts: string[];
  /** Watched targets at those hosts. */
  targets: string[];
  subject: string;
  issuer: string;
  /** The issuing CA's operator (organisation of the issuer name). */
  operator: string;
  /** The root the logged chain leads to, or null. */
  root: string | null;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyAlgorithm: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (the observation's `spkiSha256`). */
  spkiSha256: string;
  /** Only the precertificate was logged when this was said: the certificate's fingerprint is not known yet. */
  precertificate: boolean;
  /** SHA-256 of the final certificate (Postfix `fingerprint` pins); null until it is logged. */
  sha256: string | null;
  logs: CtLogEntryFacts[];
  /** The earliest entry timestamp. */
  loggedAt: string;
}

/** An example for the catalogue (docs/notices.md, the render tests). */
export const EXAMPLE_LOGGED: LoggedCertificateFacts = Object.freeze({
  linkKey: '5be2a4a1e7d3c9b8f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d',
  names: ['smtp.gmail.com'],
  hosts: ['smtp.gmail.com'],
  targets: ['smtps://smtp.gmail.com:465', 'smtp://smtp.gmail.com:587'],
  subject: 'CN=smtp.gmail.com',
  issuer: 'C=US, O=Google Trust Services, CN=WR2',
  operator: 'Google Trust Services',
  root: 'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
  serial: '0a1b2c3d4e5f',
  notBefore: '2026-07-01T08:36:12.000Z',
  notAfter: '2026-09-23T08:36:11.000Z',
  keyAlgorithm: 'ECDSA P-256',
  spkiSha256: 'Vt7fOq0f4hYyqVmmt+z2SPOq3OG1N4BHXpGkljxk7Nk=',
  precertificate: true,
  sha256: null,
  logs: [
    {
      log: "Google 'Argon2026h2' log",
      logId: 'DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=',
      index: 123456789,
      timestamp: '2026-07-01T09:36:14.000Z',
      form: 'precertificate',
    },
  ],
  loggedAt: '2026-07-01T09:36:14.000Z',
}) as LoggedCertificateFacts;

/** The SPKI pin forms of a base64 SHA-256: `sha256/BASE64` and the TLSA `3 1 1` line. */
export function pinLines(spkiSha256: string): { pin: string; tlsa: string } {
  return {
    pin: `sha256/${spkiSha256}`,
    tlsa: `3 1 1 ${Buffer.from(spkiSha256, 'base64').toString('hex')}`,
  };
}

/** The lines every CT certificate notice starts with. */
export function loggedLines(f: LoggedCertificateFacts): string[] {
  const logs = f.logs.map((l) => `${l.log} #${l.index} (${l.form}, ${l.timestamp})`);
  return [
    `  names    ${f.names.join(', ')}`,
    `  issuer   ${f.issuer}${f.root ? ` (root ${f.root})` : ''}`,
    `  valid    ${f.notBefore.slice(0, 10)} -> ${f.notAfter.slice(0, 10)}`,
    `  key      ${f.keyAlgorithm}, sha256/${f.spkiSha256}`,
    `  logged   ${logs.join('; ')}`,
  ];
}

/** The body of a CERTIFICATE_ISSUED notice. */
export type CertificateIssuedFacts = LoggedCertificateFacts;

export const CERTIFICATE_ISSUED = defineNotice<CertificateIssuedFacts>()({
  type: 'CERTIFICATE_ISSUED',
  severity: 'info',
  dedupeKey: 'CERTIFICATE_ISSUED#<link key>',
  key: (linkKey: string) => noticeKey('CERTIFICATE_ISSUED', linkKey),
  describe: ({ facts: f }) => {
    const { pin, tlsa } = pinLines(f.spkiSha256);
    return {
      title: `certificate issued for ${f.hosts.join(', ')}, not yet served (${plural(f.logs.length, 'log entry', 'log entries')})`,
      lines: [
        ...loggedLines(f),
        'Add now, before a frontend serves it:',
        `  pin      ${pin}`,
        `  TLSA     ${tlsa}`,
        f.sha256
          ? `  certificate sha256 (Postfix fingerprint) ${f.sha256}`
          : '  The whole-certificate fingerprint (Postfix fingerprint pins) is known only once the final certificate ' +
            'is logged: certwatch history shows it then.',
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when:
      'a CT log shows a certificate (or precertificate) naming a watched host that no frontend serves yet: once per ' +
      'certificate whatever the number of logs and forms; the text gives the SPKI pin and TLSA 3 1 1 line to add now',
    fields: {
      linkKey: 'SHA-256 of the TBS without poison and SCT list: links precertificate, certificate and served leaf',
      names: 'the dNSNames of the certificate',
      hosts: 'the watched hosts it covers (exact or by wildcard)',
      targets: 'the watched targets at those hosts',
      subject: 'subject DN',
      issuer: 'issuer DN',
      operator: 'the issuing CA operator (organisation of the issuer name)',
      root: 'the root the logged chain leads to, or null',
      serial: 'serial number, hex',
      notBefore: 'ISO 8601',
      notAfter: 'ISO 8601',
      keyAlgorithm: 'e.g. `ECDSA P-256`',
      spkiSha256: 'base64 SHA-256 of the public key (the observation’s form)',
      precertificate: 'true when only the precertificate was logged when announced',
      sha256: 'SHA-256 of the final certificate, or null until it is logged',
      logs: 'per log entry: `log`, `logId`, `index`, `timestamp`, `form` (`precertificate` or `certificate`)',
      loggedAt: 'the earliest entry timestamp',
    },
    example: {
      dedupeKey: noticeKey('CERTIFICATE_ISSUED', EXAMPLE_LOGGED.linkKey),
      target: null,
      hosts: ['smtp.gmail.com'],
      facts: EXAMPLE_LOGGED,
    },
  }),
});
