/** POLICY_FORECAST: the consumer policy would refuse a logged certificate once a frontend serves it. */
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { EXAMPLE_LOGGED, type LoggedCertificateFacts, loggedLines } from './certificate-issued';

/** One failing rule of the forecast. */
export interface ForecastFailureFacts {
  policy: number;
  policyName?: string;
  kind: 'pins' | 'tlsa' | 'ca';
  reason: string;
  /** Lines to paste now: pin, Postfix policy-map line, TLSA record, anchor. */
  remedy: string[];
}

/** The body of a POLICY_FORECAST notice. */
export interface PolicyForecastFacts extends LoggedCertificateFacts {
  /** The target whose policies would refuse it. */
  target: string;
  /** Indexes of the policies that apply to the target. */
  policies: number[];
  failures: ForecastFailureFacts[];
}

export const POLICY_FORECAST = defineNotice<PolicyForecastFacts>()({
  type: 'POLICY_FORECAST',
  severity: 'warning',
  dedupeKey: 'POLICY_FORECAST#<target>#<link key>#<precertificate|certificate>',
  key: (target: string, linkKey: string, form: 'precertificate' | 'certificate') =>
    noticeKey('POLICY_FORECAST', target, linkKey, form),
  describe: ({ facts: f }, where) => ({
    title: `policy would refuse the next certificate of ${where || f.target}`,
    lines: [
      `A logged certificate not yet served would fail policy ${[...new Set(f.failures.map((x) => x.policy))].join(', ')}:`,
      ...loggedLines(f),
      ...f.failures.flatMap((x) => [
        `  policy ${x.policy}${x.policyName ? ` (${x.policyName})` : ''} ${x.kind}: ${x.reason}`,
        ...x.remedy.map((r) => `    add ${r}`),
      ]),
    ],
  }),
  ...(NOTICE_DOCS && {
    when:
      'a logged certificate for a watched target would be refused by the consumer policy once served: names the ' +
      'policy entry and the remedy known now (key pin, TLSA 3 1 1, anchor); again with the certificate digest once ' +
      'the final certificate is logged',
    fields: {
      linkKey: 'as CERTIFICATE_ISSUED',
      names: 'the dNSNames of the certificate',
      hosts: 'the watched hosts it covers',
      targets: 'the watched targets at those hosts',
      subject: 'subject DN',
      issuer: 'issuer DN',
      operator: 'the issuing CA operator',
      root: 'the root the logged chain leads to, or null',
      serial: 'serial number, hex',
      notBefore: 'ISO 8601',
      notAfter: 'ISO 8601',
      keyAlgorithm: 'e.g. `ECDSA P-256`',
      spkiSha256: 'base64 SHA-256 of the public key',
      precertificate: 'true when only the precertificate was logged',
      sha256: 'SHA-256 of the final certificate, or null until it is logged',
      logs: 'per log entry: `log`, `logId`, `index`, `timestamp`, `form`',
      loggedAt: 'the earliest entry timestamp',
      target: 'the target whose policy would refuse it',
      policies: 'indexes of the policies that apply to that target',
      failures:
        'per failing rule: `policy`, `policyName`, `kind` (`pins`, `tlsa`, `ca`), `reason`, `remedy` (lines to paste)',
    },
    example: {
      dedupeKey: noticeKey('POLICY_FORECAST', 'smtps://smtp.gmail.com:465', EXAMPLE_LOGGED.linkKey, 'precertificate'),
      target: 'smtps://smtp.gmail.com:465',
      hosts: ['smtp.gmail.com'],
      facts: {
        ...EXAMPLE_LOGGED,
        target: 'smtps://smtp.gmail.com:465',
        policies: [1],
        failures: [
          {
            policy: 1,
            kind: 'pins',
            reason: 'the new key matches none of 1 pin',
            remedy: [
              `pin: sha256/${EXAMPLE_LOGGED.spkiSha256}`,
              'postfix: [smtp.gmail.com]:465 fingerprint match=56:DE:DF:3A:AD:1F:E2:16:32:A9:59:A6:B7:EC:F6:48:F3:AA:DC:E1:B5:37:80:47:5E:91:A4:96:3C:64:EC:D9',
            ],
          },
        ],
      },
    },
  }),
});
