/**
 * Human words for notices: an SNS-sized subject and a few lines of text, derived from the facts only.
 */
import { wholeDays } from './days';
import type { CertFacts, Notice, NoticeFactsMap, NoticeType, RotationClass, SharedTargetFacts } from './notice';
import { describePolicyNotice } from './policy/notice-text';
import { commonName } from './x509/dn';

/** SNS refuses longer subjects. */
export const MAX_SUBJECT_LENGTH = 100;

type NoticeBase = Omit<Notice, 'subject' | 'text'>;

/** The subject and text of a notice. */
export function renderNotice(notice: NoticeBase): { subject: string; text: string } {
  const where = notice.target ? hostPort(notice.target) : '';
  const { title, lines } = describe(notice, where);
  const subject = toSubject(`certwatch ${notice.severity}: ${title}`);
  return { subject, text: [title, ...lines].join('\n') };
}

/**
 * Makes a string a valid SNS Subject: printable ASCII, one line, at most 100 characters
 * (cut with `...` when longer).
 */
export function toSubject(raw: string): string {
  const ascii = raw
    .replace(/\s+/g, ' ')
    .replace(/[\u2192]/g, '->')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** `smtp://host:25` → `host:25`. */
export function hostPort(target: string): string {
  return target.replace(/^[a-z]+:\/\//, '');
}

/** A fingerprint shortened for people (the full one is in the facts). */
export function shortSha(sha256: string): string {
  return sha256.slice(0, 16);
}

const ROTATION_WORDS: Record<RotationClass, string> = {
  'same-key-renewal': 'same-key renewal',
  're-key': 're-key (new key, same issuer)',
  'issuer-change': 'issuer change',
  'key-type-change': 'key-type change',
};

/** The lines describing a certificate in every certificate notice. */
export function certLines(cert: CertFacts): string[] {
  return [
    `  subject  ${cert.subject}`,
    `  issuer   ${cert.issuer}`,
    `  valid    ${day(cert.notBefore)} -> ${day(cert.notAfter)} (${daysText(cert.daysLeft)})`,
    `  key      ${cert.keyAlgorithm}`,
    `  sha256   ${cert.sha256}`,
  ];
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** Days as people read them: whole days, floored (core/days.ts). */
function daysText(days: number): string {
  const whole = wholeDays(days);
  if (whole < 0) return `expired ${-whole} days ago`;
  return `${whole} days left`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Where a notice is: `host:port`, or `N targets` for a notice about a leaf several targets share. */
function placeOf(notice: NoticeBase, where: string): string {
  const shared = (notice.facts as { targets?: SharedTargetFacts[] }).targets;
  return notice.type !== 'BASELINE' && shared && shared.length > 1 ? `${shared.length} targets` : where;
}

/** The lines listing the targets of a shared notice (none for a notice about one target). */
function sharedLines(notice: NoticeBase): string[] {
  const shared = (notice.facts as { targets?: SharedTargetFacts[] }).targets;
  if (!shared || shared.length < 2) return [];
  return [
    'Targets:',
    ...shared.map((t) => `  ${t.target}${t.rollout ? ` (${rolloutText(t.rollout)})` : ''}: ${t.addresses.join(', ')}`),
  ];
}

/** How a retirement was decided, in words. */
const RETIREMENT_WORDS: Record<string, (predicted: number) => string> = {
  sampling: (p) =>
    `Decided on sampling evidence: continued service is improbable (false-retirement probability ≤ ${p < 0.0001 ? '0.01' : Math.round(p * 10000) / 100} %).`,
  duration: () => 'Decided on duration: not seen for the stale window of watched time.',
  stale: () => 'Decided on staleness: the addresses that served it have gone unobserved past their window.',
  withdrawn: () => 'Its key type is offered by no address any more (KEY_TYPE_WITHDRAWN).',
};

/** "~40 % of connections, 1 of 2 addresses" (a notice of an earlier release has no share). */
function rolloutText(r: { share?: number; serving: number; total: number }): string {
  const where = `${r.serving} of ${plural(r.total, 'address', 'addresses')}`;
  return r.share === undefined ? where : `~${Math.round(r.share * 100)} % of connections, ${where}`;
}

function hoursText(hours: number): string {
  return hours >= 48 ? `${Math.round((hours / 24) * 10) / 10} days` : `${hours} hours`;
}

function describe(notice: NoticeBase, rawWhere: string): { title: string; lines: string[] } {
  const type = notice.type as NoticeType;
  const where = placeOf(notice, rawWhere);
  const described = describeOne(notice, type, where);
  return { title: described.title, lines: [...described.lines, ...sharedLines(notice)] };
}

function describeOne(notice: NoticeBase, type: NoticeType, where: string): { title: string; lines: string[] } {
  switch (type) {
    case 'BASELINE': {
      const f = notice.facts as NoticeFactsMap['BASELINE'];
      const leaves = f.targets.reduce((n, t) => n + t.leaves.length, 0);
      const title = `baseline recorded: ${plural(f.targets.length, 'target')}, ${plural(leaves, 'certificate')}`;
      const lines = f.targets.flatMap((t) => [
        `${t.target} (${plural(t.addresses.length, 'address', 'addresses')})`,
        ...t.leaves.map(
          (l) =>
            `  ${l.keyType.padEnd(5)} ${commonName(l.subject)} by ${commonName(l.issuer)}, ${daysText(l.daysLeft)}, sha256 ${shortSha(l.sha256)}`,
        ),
        ...t.failures.map((e) => `  ${e.keyType.padEnd(5)} ${e.address}: ${e.code} ${e.message}`),
      ]);
      return { title, lines };
    }
    case 'NEW_CERTIFICATE': {
      const f = notice.facts as NoticeFactsMap['NEW_CERTIFICATE'];
      const title = `new ${f.keyType} certificate on ${where} (${rolloutText(f.rollout)})`;
      const lines = [
        `New leaf on ${rolloutText(f.rollout)} (this cycle: ${f.rollout.addresses.join(', ')}).`,
        ...certLines(f.cert),
        ...f.replaces.map(
          (r) => `Replaces ${commonName(r.subject)} (sha256 ${shortSha(r.sha256)}, ${daysText(r.daysLeft)}).`,
        ),
      ];
      if (f.rotation) lines.push(`Change: ${ROTATION_WORDS[f.rotation.classification]}.`);
      return { title, lines };
    }
    case 'CERTIFICATE_RETIRED': {
      const f = notice.facts as NoticeFactsMap['CERTIFICATE_RETIRED'];
      const by = f.successors.map((s) => `${commonName(s.subject)} (sha256 ${shortSha(s.sha256)})`).join(', ');
      return {
        title: `${f.keyType} certificate ${shortSha(f.cert.sha256)} retired on ${where}`,
        lines: [
          `Rollout complete: every address that served it has moved on${by ? ` to ${by}` : ''} (first seen ${f.firstSeen}, last seen ${f.lastSeen}).`,
          ...(f.evidence ? [RETIREMENT_WORDS[f.evidence.rule](f.evidence.predicted)] : []),
          ...certLines(f.cert),
          ...f.replacedOn.map(
            (r) =>
              `  ${r.address}: ${r.by ? `serves ${shortSha(r.by)} (observed ${r.at})` : `unobserved since ${r.at} (stale)`}`,
          ),
          ...f.successors.map(
            (s) => `Replaced by ${commonName(s.subject)} (sha256 ${shortSha(s.sha256)}, ${daysText(s.daysLeft)}).`,
          ),
        ],
      };
    }
    case 'CERTIFICATE_RETURNED': {
      const f = notice.facts as NoticeFactsMap['CERTIFICATE_RETURNED'];
      return {
        title: `retired ${f.keyType} certificate ${shortSha(f.cert.sha256)} served again on ${where}`,
        lines: [
          `A leaf retired at ${f.retiredAt} is served again on ${f.addresses.join(', ')} after ${hoursText(f.goneHours)} gone (a rollback?).`,
          ...certLines(f.cert),
          ...f.displaces.map(
            (d) => `It displaces ${commonName(d.subject)} (sha256 ${shortSha(d.sha256)}, ${daysText(d.daysLeft)}).`,
          ),
        ],
      };
    }
    case 'EXPIRY_WARNING': {
      const f = notice.facts as NoticeFactsMap['EXPIRY_WARNING'];
      return {
        title: `${f.keyType} ${f.cert.role === 'leaf' ? '' : 'intermediate '}certificate on ${where} expires in ${wholeDays(f.cert.daysLeft)} days`,
        lines: [
          `A served ${f.keyType} ${f.cert.role === 'leaf' ? 'leaf' : 'chain certificate'} crossed the ${f.thresholdDays}-day threshold.`,
          ...certLines(f.cert),
          `Served on: ${f.addresses.join(', ')}.`,
        ],
      };
    }
    case 'ROTATION_OVERDUE': {
      const f = notice.facts as NoticeFactsMap['ROTATION_OVERDUE'];
      const share = Math.round(f.lifetimeShare * 100);
      return {
        title: `rotation overdue on ${where}: ${f.keyType} leaf at ${share}% of its lifetime`,
        lines: [
          `The leaf has used ${share}% of its lifetime (threshold ${Math.round(f.thresholdShare * 100)}%) and no successor has been seen.`,
          ...certLines(f.cert),
        ],
      };
    }
    case 'EXPIRED': {
      const f = notice.facts as NoticeFactsMap['EXPIRED'];
      return {
        title: `EXPIRED ${f.keyType} ${f.cert.role === 'leaf' ? '' : 'intermediate '}certificate served on ${where}`,
        lines: [`An expired certificate is being served on ${f.addresses.join(', ')}.`, ...certLines(f.cert)],
      };
    }
    case 'CHAIN_INVALID': {
      const f = notice.facts as NoticeFactsMap['CHAIN_INVALID'];
      return {
        title: `invalid ${f.keyType} chain on ${where}: ${f.error.code}`,
        lines: [
          `The ${f.keyType} chain does not validate: ${f.error.message}`,
          ...certLines(f.cert),
          `Served on: ${f.addresses.join(', ')}.`,
        ],
      };
    }
    case 'HOSTNAME_MISMATCH': {
      const f = notice.facts as NoticeFactsMap['HOSTNAME_MISMATCH'];
      return {
        title: `hostname mismatch on ${where}: ${f.keyType} leaf is not valid for ${f.expectedName}`,
        lines: [
          `The ${f.keyType} leaf does not match ${f.expectedName}; it names: ${f.cert.sans.join(', ') || '(no SANs)'}.`,
          ...certLines(f.cert),
          `Served on: ${f.addresses.join(', ')}.`,
        ],
      };
    }
    case 'ISSUER_CHANGED': {
      const f = notice.facts as NoticeFactsMap['ISSUER_CHANGED'];
      return {
        title: `${f.keyType} issuer changed on ${where}: ${commonName(f.previousIssuer)} -> ${commonName(f.issuer)}`,
        lines: [
          `The new ${f.keyType} leaf chains to a different ${f.rotation.sameIssuer ? 'anchor' : 'intermediate'} (${ROTATION_WORDS[f.rotation.classification]}).`,
          `  before   ${f.previousIssuer} (anchor ${f.previousAnchor ?? 'unknown'})`,
          `  now      ${f.issuer} (anchor ${f.anchor ?? 'unknown'})`,
          ...certLines(f.cert),
        ],
      };
    }
    case 'STARTTLS_MISSING': {
      const f = notice.facts as NoticeFactsMap['STARTTLS_MISSING'];
      return {
        title: `STARTTLS no longer offered on ${where}`,
        lines: [
          `${where} offered STARTTLS before and now does not on ${f.addresses.join(', ')}: mail to it may travel in plaintext.`,
          `  EHLO     ${f.ehlo.join(' ') || '(none)'}`,
        ],
      };
    }
    case 'TLS_POSTURE_CHANGED': {
      const f = notice.facts as NoticeFactsMap['TLS_POSTURE_CHANGED'];
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
    }
    case 'TLS_POLICY_VIOLATED': {
      const f = notice.facts as NoticeFactsMap['TLS_POLICY_VIOLATED'];
      return {
        title: `TLS policy violated on ${where} (${f.address}): ${f.failing.map((v) => v.rule).join(', ')}`,
        lines: f.failing.map((v) => `  ${v.rule}: ${v.detail}`),
      };
    }
    case 'MX_CHANGED': {
      const f = notice.facts as NoticeFactsMap['MX_CHANGED'];
      const change = [
        f.added.length ? `+${f.added.length}` : '',
        f.removed.length ? `-${f.removed.length}` : '',
      ].filter(Boolean);
      return {
        title: `MX hosts of ${f.domain} changed (${change.join(' ')})`,
        lines: [
          ...f.added.map((h) => `  + ${h}`),
          ...f.removed.map((h) => `  - ${h}`),
          `  now: ${f.hosts.map((h) => `${h.preference} ${h.host}`).join(', ') || '(none)'}`,
        ],
      };
    }
    case 'POLICY_MISMATCH':
    case 'POLICY_WARNING':
    case 'POLICY_SATISFIED':
    case 'PIN_UNUSED':
    case 'MTA_STS_CHANGED':
      return describePolicyNotice(notice, where);
    case 'PROBE_FAILING': {
      const f = notice.facts as NoticeFactsMap['PROBE_FAILING'];
      return {
        title: `probes of ${where} failing for ${f.consecutiveFailures} cycles`,
        lines: f.failures.map((e) => `  ${e.address} ${e.keyType}: ${e.code} ${e.message}`),
      };
    }
    case 'PROBE_RECOVERED': {
      const f = notice.facts as NoticeFactsMap['PROBE_RECOVERED'];
      return {
        title: `probes of ${where} answer again`,
        lines: [`${where} answers again after ${plural(f.failedCycles, 'failed cycle')}.`],
      };
    }
    case 'HEARTBEAT':
    case 'TEST': {
      const f = notice.facts as NoticeFactsMap['TEST'];
      return { title: f.message, lines: [] };
    }
  }
}
