/** ROTATION_OVERDUE: a leaf past a share of its lifetime with no successor seen. */
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines } from '../text';

/** The body of a ROTATION_OVERDUE notice. */
export interface RotationOverdueFacts {
  keyType: KeyType;
  cert: CertFacts;
  lifetimeShare: number;
  thresholdShare: number;
  /**
   * When the target's own cadence raised it before the share: how many rotations its history holds, the
   * longest time after notBefore a leaf was replaced, and the threshold drawn from it (days).
   */
  cadence?: { rotations: number; replacedAfterDays: number; thresholdDays: number };
  addresses: string[];
}

export const ROTATION_OVERDUE = defineNotice<RotationOverdueFacts>()({
  type: 'ROTATION_OVERDUE',
  severity: 'warning',
  dedupeKey: 'ROTATION_OVERDUE#<target>#<sha256>',
  key: (target: string, sha256: string) => noticeKey('ROTATION_OVERDUE', target, sha256),
  describe: ({ facts: f }, where) => {
    const share = Math.round(f.lifetimeShare * 100);
    return {
      title: `rotation overdue on ${where}: ${f.keyType} leaf at ${share}% of its lifetime`,
      lines: [
        f.cadence
          ? `Leaves here were replaced within ${f.cadence.replacedAfterDays} days of notBefore (${f.cadence.rotations} rotations); this one is past ${f.cadence.thresholdDays} days (${share}% of its lifetime) and no successor has been seen.`
          : `The leaf has used ${share}% of its lifetime (threshold ${Math.round(f.thresholdShare * 100)}%) and no successor has been seen.`,
        ...certLines(f.cert),
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when: "a leaf past a share of its lifetime (default 75 %) with no successor seen — or, once the target's history holds two rotations, past 1.25 × the longest time after notBefore its leaves were replaced, when that comes first",
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the leaf (certificate facts)',
      lifetimeShare: 'the share of its lifetime used, 0–1',
      thresholdShare: 'the configured threshold, 0–1',
      cadence:
        "when the target's cadence raised it first: `rotations` in its history, `replacedAfterDays` (the longest time after notBefore a leaf was replaced) and `thresholdDays` (1.25 × that)",
      addresses: 'the addresses serving it',
    },
    example: {
      dedupeKey: noticeKey('ROTATION_OVERDUE', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        lifetimeShare: 0.76,
        thresholdShare: 0.75,
        addresses: ['192.0.2.10'],
      },
    },
  }),
});
