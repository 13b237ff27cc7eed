/** EXPIRY_WARNING: a still-served certificate crosses an expiry threshold. */
import { wholeDays } from '../../days';
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of an EXPIRY_WARNING notice. */
export interface ExpiryWarningFacts {
  keyType: KeyType;
  cert: CertFacts;
  thresholdDays: number;
  /** When the lifetime scaled the threshold (min(days, lifetime/3)): the configured thresholds it stands for. */
  scaledFrom?: number[];
  addresses: string[];
  targets?: SharedTargetFacts[];
}

export const EXPIRY_WARNING = defineNotice<ExpiryWarningFacts>()({
  type: 'EXPIRY_WARNING',
  severity: 'warning',
  dedupeKey: 'EXPIRY_WARNING#<target>#<sha256>#<threshold days>',
  key: (target: string, sha256: string, thresholdDays: number) =>
    noticeKey('EXPIRY_WARNING', target, sha256, thresholdDays),
  // Only leaves are shared: an intermediate's warning stays per target.
  shared: {
    event: (f) => (f.cert.role === 'leaf' ? `${f.cert.sha256}#${f.thresholdDays}` : null),
    member: (f) => ({ addresses: f.addresses }),
  },
  describe: ({ facts: f }, where) => ({
    title: `${f.keyType} ${f.cert.role === 'leaf' ? '' : 'intermediate '}certificate on ${where} expires in ${wholeDays(f.cert.daysLeft)} days`,
    lines: [
      `A served ${f.keyType} ${f.cert.role === 'leaf' ? 'leaf' : 'chain certificate'} crossed the ${f.thresholdDays}-day threshold${f.scaledFrom ? ` (${f.scaledFrom.join(', ')} days, scaled to a third of its lifetime)` : ''}.`,
      ...certLines(f.cert),
      `Served on: ${f.addresses.join(', ')}.`,
    ],
  }),
  ...(NOTICE_DOCS && {
    when: "a still-served leaf or intermediate crosses a threshold (21, 14, 7, 3, 1 days, each at most a third of the certificate's lifetime: `expiryLifetimeShare`) — once per threshold; thresholds that a short lifetime collapses to one value warn once",
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the certificate (certificate facts; `role` leaf or chain)',
      thresholdDays: 'the threshold crossed, in days (as it applies to this certificate)',
      scaledFrom:
        "when the certificate's lifetime lowered it: the configured thresholds it stands for, e.g. `[21, 14, 7, 3]` for a 6-day certificate",
      addresses: 'the addresses serving it',
      targets: 'when several targets serve the leaf: per target `target`, `host`, `addresses`',
    },
    example: {
      dedupeKey: noticeKey('EXPIRY_WARNING', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256, 14),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: { ...EXAMPLE_CERT, daysLeft: 13.6 },
        thresholdDays: 14,
        addresses: ['192.0.2.10', '192.0.2.11'],
      },
    },
  }),
});
