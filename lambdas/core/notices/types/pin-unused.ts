/** PIN_UNUSED: a pin or TLSA record matched only leaves whose retirement has held a week (safe to remove). */
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, shortSha } from '../text';

/** The body of a PIN_UNUSED notice. */
export interface PinUnusedFacts {
  keyType: KeyType;
  /** The pin or TLSA record as written. */
  pin: string;
  kind: 'pin' | 'tlsa';
  retired: CertFacts;
}

export const PIN_UNUSED = defineNotice<PinUnusedFacts>()({
  type: 'PIN_UNUSED',
  severity: 'info',
  dedupeKey: 'PIN_UNUSED#<target>#<pin, blanks as _>#<sha256 of the retired leaf>#r<retirements>',
  key: (target: string, pin: string, sha256: string, retirement: `r${number}`) =>
    noticeKey('PIN_UNUSED', target, pin.replace(/\s+/g, '_'), sha256, retirement),
  describe: ({ facts: f }, where) => ({
    title: `${f.kind === 'pin' ? 'pin' : 'TLSA record'} unused on ${where}: its ${f.keyType} leaf retired`,
    lines: [
      `${f.pin} matched only ${commonName(f.retired.subject)} (sha256 ${shortSha(f.retired.sha256)}), retired a while ago and seen nowhere since; no served leaf matches it: safe to remove.`,
      ...certLines(f.retired),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: "a pin or TLSA record matched only leaves whose retirement has held for `pinUnusedAfterDays` (7) with the leaf seen nowhere, and never the target's newest leaf: safe to remove",
    fields: {
      keyType: '`rsa` or `ecdsa`',
      pin: 'the pin or TLSA record as written',
      kind: '`pin` or `tlsa`',
      retired: 'the retired leaf it matched (certificate facts)',
    },
    example: {
      dedupeKey: noticeKey(
        'PIN_UNUSED',
        'smtp://smtp.gmail.com:587',
        `sha256/${EXAMPLE_CERT.spkiSha256}`,
        EXAMPLE_CERT.sha256,
        'r1',
      ),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: { keyType: 'ecdsa', pin: `sha256/${EXAMPLE_CERT.spkiSha256}`, kind: 'pin', retired: EXAMPLE_CERT },
    },
  }),
});
