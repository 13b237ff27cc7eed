/** TLS_POSTURE_CHANGED: the TLS versions or suites an address accepts changed (posture cycle). */
import type { TlsVersion, VersionSuite } from '../../posture/posture';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a TLS_POSTURE_CHANGED notice. */
export interface TlsPostureChangedFacts {
  address: string;
  /** Accepted now, not before (version + IANA suite). */
  added: VersionSuite[];
  /** Accepted before, not now. */
  removed: VersionSuite[];
  versionsAdded: TlsVersion[];
  versionsRemoved: TlsVersion[];
  /** When the previous complete enumeration was made. */
  previousAt: string;
}

export const TLS_POSTURE_CHANGED = defineNotice<TlsPostureChangedFacts>()({
  type: 'TLS_POSTURE_CHANGED',
  severity: 'warning',
  dedupeKey: 'TLS_POSTURE_CHANGED#<target>#<address>#<previous posture digest>#<posture digest>',
  key: (target: string, address: string, previousDigest: string, digest: string) =>
    noticeKey('TLS_POSTURE_CHANGED', target, address, previousDigest, digest),
  describe: ({ facts: f }, where) => {
    const pairs = (list: Array<{ version: string; suite: string }>) => list.map((p) => `${p.version} ${p.suite}`);
    return {
      title: `TLS posture changed on ${where} (${f.address})`,
      lines: [
        `${f.address} accepts a different set of TLS versions or suites than at ${f.previousAt}.`,
        ...(f.versionsAdded.length ? [`  versions now accepted: ${f.versionsAdded.join(', ')}`] : []),
        ...(f.versionsRemoved.length ? [`  versions no longer accepted: ${f.versionsRemoved.join(', ')}`] : []),
        ...pairs(f.added).map((p) => `  + ${p}`),
        ...pairs(f.removed).map((p) => `  - ${p}`),
      ],
    };
  },
  ...(NOTICE_DOCS && {
    when: 'the accepted TLS versions or suites of an address changed (posture cycle)',
    fields: {
      address: 'the address enumerated',
      added: 'accepted now, not before: `version` and IANA `suite`',
      removed: 'accepted before, not now',
      versionsAdded: 'versions accepted now, not before',
      versionsRemoved: 'versions accepted before, not now',
      previousAt: 'when the previous complete enumeration was made',
    },
    example: {
      dedupeKey: noticeKey('TLS_POSTURE_CHANGED', 'smtp://smtp.gmail.com:587', '192.0.2.10', '1f2e3d4c', '5a6b7c8d'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        address: '192.0.2.10',
        added: [],
        removed: [{ version: 'TLSv1', suite: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' }],
        versionsAdded: [],
        versionsRemoved: ['TLSv1'],
        previousAt: '2026-05-01T00:00:00.000Z',
      },
    },
  }),
});
