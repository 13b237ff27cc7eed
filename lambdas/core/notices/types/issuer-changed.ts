/** ISSUER_CHANGED: a new leaf chains to a different intermediate or anchor. */
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { type CertFacts, EXAMPLE_CERT, type RotationFacts } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { certLines, ROTATION_WORDS } from '../text';

/** The body of an ISSUER_CHANGED notice. */
export interface IssuerChangedFacts {
  keyType: KeyType;
  cert: CertFacts;
  previous: CertFacts;
  previousIssuer: string;
  issuer: string;
  previousIntermediate: string | null;
  intermediate: string | null;
  previousAnchor: string | null;
  anchor: string | null;
  rotation: RotationFacts;
}

export const ISSUER_CHANGED = defineNotice<IssuerChangedFacts>()({
  type: 'ISSUER_CHANGED',
  severity: 'warning',
  dedupeKey: 'ISSUER_CHANGED#<target>#<sha256>',
  key: (target: string, sha256: string) => noticeKey('ISSUER_CHANGED', target, sha256),
  describe: ({ facts: f }, where) => ({
    title: `${f.keyType} issuer changed on ${where}: ${commonName(f.previousIssuer)} -> ${commonName(f.issuer)}`,
    lines: [
      `The new ${f.keyType} leaf chains to a different ${f.rotation.sameIssuer ? 'anchor' : 'intermediate'} (${ROTATION_WORDS[f.rotation.classification]}).`,
      `  before   ${f.previousIssuer} (anchor ${f.previousAnchor ?? 'unknown'})`,
      `  now      ${f.issuer} (anchor ${f.anchor ?? 'unknown'})`,
      ...certLines(f.cert),
    ],
  }),
  ...(NOTICE_DOCS && {
    when: 'a new certificate chains to a different intermediate or anchor',
    fields: {
      keyType: '`rsa` or `ecdsa`',
      cert: 'the new leaf (certificate facts)',
      previous: 'the leaf it replaces (certificate facts)',
      previousIssuer: 'issuer of the previous leaf',
      issuer: 'issuer of the new leaf',
      previousIntermediate: 'sha256 of the intermediate of the previous chain, or null',
      intermediate: 'sha256 of the intermediate of the new chain, or null',
      previousAnchor: 'the previous trust anchor, or null',
      anchor: 'the new trust anchor, or null',
      rotation: 'the change classified (as in NEW_CERTIFICATE)',
    },
    example: {
      dedupeKey: noticeKey('ISSUER_CHANGED', 'smtp://smtp.gmail.com:587', EXAMPLE_CERT.sha256),
      target: 'smtp://smtp.gmail.com:587',
      hosts: ['smtp.gmail.com'],
      facts: {
        keyType: 'ecdsa',
        cert: EXAMPLE_CERT,
        previous: { ...EXAMPLE_CERT, issuer: 'C=US, O=Google Trust Services, CN=WE2', sha256: 'aa'.repeat(32) },
        previousIssuer: 'C=US, O=Google Trust Services, CN=WE2',
        issuer: EXAMPLE_CERT.issuer,
        previousIntermediate: 'bb'.repeat(32),
        intermediate: 'cc'.repeat(32),
        previousAnchor: 'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
        anchor: 'C=US, O=Google Trust Services LLC, CN=GTS Root R1',
        rotation: {
          classification: 'issuer-change',
          sameKey: false,
          sameKeyAlgorithm: true,
          sameIssuer: false,
          sameAnchor: true,
        },
      },
    },
  }),
});
