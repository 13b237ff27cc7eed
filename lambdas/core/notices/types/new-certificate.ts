/** NEW_CERTIFICATE: a leaf first seen at a target, with what it replaces and how far it has rolled out. */
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import {
  type CertFacts,
  EXAMPLE_CERT,
  type RolloutFacts,
  type RotationFacts,
  rolloutText,
  type SharedTargetFacts,
} from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, daysText, hoursText, ROTATION_WORDS, shortSha } from '../text';

/** The body of a NEW_CERTIFICATE notice. */
export interface NewCertificateFacts {
  keyType: KeyType;
  cert: CertFacts;
  chain: string[];
  anchor: string | null;
  replaces: CertFacts[];
  rotation: RotationFacts | null;
  /** Rollout progress from the serving mix; `addresses` = those that presented it this cycle. */
  rollout: RolloutFacts & { addresses: string[] };
  targets?: SharedTargetFacts[];
  /** When Certificate Transparency first showed this certificate (docs/ct.md); absent when it was not seen logged. */
  loggedAt?: string;
  /** Hours from `loggedAt` to this first service, one decimal. */
  leadHours?: number;
}

export const NEW_CERTIFICATE = defineNotice<NewCertificateFacts>()({
  type: 'NEW_CERTIFICATE',
  severity: 'info',
  dedupeKey: 'NEW_CERTIFICATE#<target>#<sha256>',
  key: (target: string, sha256: string) => noticeKey('NEW_CERTIFICATE', target, sha256),
  shared: {
    event: (f) => f.cert.sha256,
    member: (f) => ({
      addresses: f.rollout.addresses,
      rollout: { share: f.rollout.share, serving: f.rollout.serving, total: f.rollout.total },
    }),
  },
  describe: ({ facts: f }, where) => {
    const title = `new ${f.keyType} certificate on ${where} (${rolloutText(f.rollout)})`;
    const lines = [
      `New leaf on ${rolloutText(f.rollout)} (this cycle: ${f.rollout.addresses.join(', ')}).`,
      ...certLines(f.cert),
      ...f.replaces.map(
        (r) => `Replaces ${commonName(r.subject)} (sha256 ${shortSha(r.sha256)}, ${daysText(r.daysLeft)}).`,
      ),
    ];
    if (f.rotation) lines.push(`Change: ${ROTATION_WORDS[f.rotation.classification]}.`);
    if (f.loggedAt !== undefined) {
      lines.push(
        `Logged in Certificate Transparency ${hoursText(f.leadHours ?? 0)} before first service (${f.loggedAt}).`,
      );
    }
    return { title, lines };
  },
  ...(NOTICE_DOCS && {
    when: 'a leaf is first seen at a target, with what it replaces, the rollout progress ("~25 % of connections, 1 of 2 addresses": its share of the handshakes in the window, and the addresses whose mix holds it) and the change classified (same-key renewal, re-key, issuer change, key-type change); the leaf spreading to more addresses, or old and new alternating, raises nothing more',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the new leaf (certificate facts)',
      chain: 'the presented chain, sha256 of each certificate, leaf first',
      anchor: 'the trust anchor its chain validated to, or null',
      replaces: 'the leaves it replaces (certificate facts)',
      rotation:
        'the change classified: `classification`, `sameKey`, `sameKeyAlgorithm`, `sameIssuer`, `sameAnchor`; null without a predecessor',
      rollout:
        '`addresses` that presented it this cycle; `share` of the handshakes over the window (0–1); `serving` = addresses whose mix holds it, of `total` observed in the window',
      targets: 'when several targets serve it: per target `target`, `host`, `addresses`, `rollout`',
      loggedAt: 'with CT on: when a CT log first showed it (its CERTIFICATE_ISSUED came then); absent otherwise',
      leadHours: 'with `loggedAt`: hours from logging to this first service',
    },
    example: {
      dedupeKey: noticeKey('NEW_CERTIFICATE', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        chain: [EXAMPLE_CERT.sha256],
        anchor: 'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
        replaces: [],
        rotation: null,
        rollout: { addresses: ['192.0.2.10'], share: 0.08, serving: 1, total: 4 },
      },
    },
  }),
});
