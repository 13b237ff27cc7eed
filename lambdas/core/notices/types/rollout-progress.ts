/**
 * ROLLOUT_PROGRESS: a target adopts a leaf already announced (NEW_CERTIFICATE) at another target: the
 * rollout reaches one more host. At most one per leaf and day, naming the adopting hosts, so subscribers
 * who filter on a host still hear that their host's leaf changed (docs/rollouts.md, "Shared leaves").
 */
import type { KeyType } from '../../observation';
import { type CertFacts, EXAMPLE_CERT, rolloutText, type SharedTargetFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, hostPort, plural, shortSha } from '../text';

/** The body of a ROLLOUT_PROGRESS notice. */
export interface RolloutProgressFacts {
  keyType: KeyType;
  cert: CertFacts;
  /** When the leaf was first seen at any target (its NEW_CERTIFICATE). */
  announcedAt: string;
  /** The targets adopting it now, each with its rollout. */
  targets: SharedTargetFacts[];
  /** Targets serving it now, the adopting ones included. */
  servingTargets: number;
}

export const ROLLOUT_PROGRESS = defineNotice<RolloutProgressFacts>()({
  type: 'ROLLOUT_PROGRESS',
  severity: 'info',
  dedupeKey: 'ROLLOUT_PROGRESS#<sha256>#<day, YYYY-MM-DD>',
  key: (sha256: string, day: string) => noticeKey('ROLLOUT_PROGRESS', sha256, day),
  describe: ({ facts: f }) => ({
    title: `${f.keyType} certificate ${shortSha(f.cert.sha256)} now also on ${f.targets.length === 1 ? hostPort(f.targets[0].target) : plural(f.targets.length, 'target')}`,
    lines: [
      `A leaf announced at ${f.announcedAt} is now served on ${plural(f.servingTargets, 'target')}; it reached:`,
      ...f.targets.map(
        (t) => `  ${t.target}${t.rollout ? ` (${rolloutText(t.rollout)})` : ''}: ${t.addresses.join(', ')}`,
      ),
      ...certLines(f.cert),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a target starts serving a leaf already announced (NEW_CERTIFICATE) at another target: at most one per leaf and day, its `host` attribute naming the adopting hosts',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the leaf (certificate facts)',
      announcedAt: 'when it was first seen at any target (its NEW_CERTIFICATE)',
      targets: 'the adopting targets: per target `target`, `host`, `addresses`, `rollout`',
      servingTargets: 'targets serving it now, the adopting ones included',
    },
    example: {
      dedupeKey: noticeKey('ROLLOUT_PROGRESS', EXAMPLE_CERT.sha256, '2026-06-02'),
      target: null,
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        announcedAt: '2026-06-01T00:00:00.000Z',
        targets: [
          {
            target: 'smtps://smtp.gmail.com:465',
            host: 'smtp.gmail.com',
            addresses: ['192.0.2.10'],
            rollout: { share: 0.3, serving: 1, total: 2 },
          },
        ],
        servingTargets: 2,
      },
    },
  }),
});
