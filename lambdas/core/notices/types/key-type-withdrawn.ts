/**
 * KEY_TYPE_WITHDRAWN: a key type the target served is offered by no address any more (every address that
 * answered refused it) for the stale window; its leaves retire with it (docs/rollouts.md).
 */
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { hoursText, shortSha } from '../text';

/** The body of a KEY_TYPE_WITHDRAWN notice. */
export interface KeyTypeWithdrawnFacts {
  keyType: KeyType;
  /** The first cycle in which no address offered it. */
  since: string;
  /** Cycles and watched hours since, in which the target answered without it. */
  cycles: number;
  hours: number;
  /** The addresses that refused it in this cycle (KEY_TYPE_UNAVAILABLE). */
  addresses: string[];
  /** Its leaves, retired with it. */
  retired: CertFacts[];
}

export const KEY_TYPE_WITHDRAWN = defineNotice<KeyTypeWithdrawnFacts>()({
  type: 'KEY_TYPE_WITHDRAWN',
  severity: 'warning',
  dedupeKey: 'KEY_TYPE_WITHDRAWN#<target>#<key type>#<since>',
  key: (target: string, keyType: KeyType, since: string) => noticeKey('KEY_TYPE_WITHDRAWN', target, keyType, since),
  describe: ({ facts: f }, where) => ({
    title: `${f.keyType} withdrawn on ${where}: no address offers it`,
    lines: [
      `No address has offered an ${f.keyType.toUpperCase()} certificate since ${f.since} (${f.cycles} cycles, ${hoursText(f.hours)}); ${f.addresses.join(', ')} refused it this cycle.`,
      ...f.retired.map((c) => `Retired with it: sha256 ${shortSha(c.sha256)}.`),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a key type the target served (RSA or ECDSA) is offered by no address any more for the stale window (`staleAfterCycles`, `staleAfterHours`): clients that pin or require it break; its leaves retire',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      since: 'the first cycle in which no address offered it (ISO 8601)',
      cycles: 'cycles since in which the target answered without it',
      hours: 'watched hours since',
      addresses: 'the addresses that refused it in this cycle',
      retired: 'its leaves, retired with it (certificate facts)',
    },
    example: {
      dedupeKey: noticeKey('KEY_TYPE_WITHDRAWN', 'smtp://smtp.gmail.com:587', 'ecdsa', '2026-06-01T00:00:00.000Z'),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        since: '2026-06-01T00:00:00.000Z',
        cycles: 192,
        hours: 48,
        addresses: ['192.0.2.10', '192.0.2.11'],
        retired: [EXAMPLE_CERT],
      },
    },
  }),
});
