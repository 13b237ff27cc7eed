/** HEARTBEAT: the optional weekly proof of life (lambdas/run/heartbeat.ts builds it from the histories). */
import type { CertFields, CertRole } from '../../cert-fields';
import { wholeDays } from '../../days';
import type { KeyType } from '../../observation';
import { commonName } from '../../x509/dn';
import { EXAMPLE_CERT } from '../facts';
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { hostPort } from '../text';

/** One certificate currently served, as the heartbeat reports it. */
export interface ServedFacts extends Pick<CertFields, 'sha256' | 'subject' | 'issuer' | 'notAfter'> {
  target: string;
  keyType: KeyType;
  role: CertRole;
  daysLeft: number;
  addresses: string[];
}

/** What a target looked like in its last cycle. */
export interface WatchedFacts {
  target: string;
  lastCycleAt: string | null;
  /** Probes answered in the last cycle, out of all (a missing key type counts as answered). */
  answered: number;
  probes: number;
  starttlsMissing: boolean;
}

/** The body of a HEARTBEAT notice (the contract's `{ message }` and what the watcher watches). */
export interface HeartbeatFacts {
  message: string;
  period: string;
  watched: WatchedFacts[];
  served: ServedFacts[];
  /** The served certificate (leaf or intermediate) that expires first; null when nothing is served. */
  nextExpiry: ServedFacts | null;
}

function heartbeatLines(facts: HeartbeatFacts): string[] {
  const lines = facts.watched.map((w) => {
    const leaves = facts.served.filter((s) => s.target === w.target && s.role === 'leaf');
    const certs = leaves.map((s) => `${s.keyType} ${commonName(s.issuer)} ${wholeDays(s.daysLeft)}d`).join(', ');
    const problems = [w.answered < w.probes ? `${w.probes - w.answered} of ${w.probes} probes failing` : '']
      .concat(w.starttlsMissing ? ['STARTTLS missing'] : [])
      .filter(Boolean);
    return `  ${hostPort(w.target)}: ${certs || 'no certificate'}${problems.length ? ` (${problems.join('; ')})` : ''}`;
  });
  const next = facts.nextExpiry;
  if (next) {
    lines.push(
      `Next expiry: ${next.subject} (${next.role}, ${next.keyType}) on ${hostPort(next.target)}, ${next.notAfter.slice(0, 10)}, sha256 ${next.sha256.slice(0, 16)}.`,
    );
  }
  return lines;
}

const EXAMPLE_SERVED: ServedFacts = {
  target: 'smtp://smtp.gmail.com:587',
  keyType: 'ecdsa',
  role: 'leaf',
  sha256: EXAMPLE_CERT.sha256,
  subject: EXAMPLE_CERT.subject,
  issuer: EXAMPLE_CERT.issuer,
  notAfter: EXAMPLE_CERT.notAfter,
  daysLeft: 54.9,
  addresses: ['192.0.2.10'],
};

export const HEARTBEAT = defineNotice<HeartbeatFacts>()({
  type: 'HEARTBEAT',
  severity: 'info',
  dedupeKey: 'HEARTBEAT#<ISO week>',
  key: (period: string) => noticeKey('HEARTBEAT', period),
  describe: ({ facts: f }) => ({ title: f.message, lines: heartbeatLines(f) }),
  ...(NOTICE_DOCS && {
    when: 'the first cycle of each ISO week, when the heartbeat is on: what is watched, what is served, the next expiry',
    fields: {
      message: 'one line: the week, targets, certificates and the next expiry',
      period: 'the ISO week, e.g. `2026-W23`',
      watched:
        'per target: `target`, `lastCycleAt`, probes `answered` of `probes` in its last cycle, `starttlsMissing`',
      served:
        'per certificate served: `target`, `keyType`, `role`, `sha256`, `subject`, `issuer`, `notAfter`, `daysLeft`, `addresses`',
      nextExpiry: 'the served certificate that expires first (as in `served`), or null',
    },
    example: {
      dedupeKey: noticeKey('HEARTBEAT', '2026-W23'),
      target: null,
      hosts: ['smtp.gmail.com'],
      facts: {
        message: 'heartbeat 2026-W23: 1 target, 1 certificate, next expiry in 54 days',
        period: '2026-W23',
        watched: [
          {
            target: 'smtp://smtp.gmail.com:587',
            lastCycleAt: '2026-06-01T00:00:00.000Z',
            answered: 2,
            probes: 2,
            starttlsMissing: false,
          },
        ],
        served: [EXAMPLE_SERVED],
        nextExpiry: EXAMPLE_SERVED,
      },
    },
  }),
});
