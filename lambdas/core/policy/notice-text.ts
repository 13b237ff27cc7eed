/**
 * Human words for the consumer policy notices: the title, what was refused where, and the remedy as
 * text to paste (Postfix policy-map line, TLSA records, the missing anchor, MTA-STS `mx` lines).
 */
import type { Notice, NoticeFactsMap } from '../notice';
import { certLines, shortSha } from '../notice-text';
import { commonName } from '../x509/dn';
import type { PolicyMismatchFacts, PolicyRemedyFacts } from './notice-facts';

type NoticeBase = Omit<Notice, 'subject' | 'text'>;

function remedyLines(remedy: PolicyRemedyFacts): string[] {
  const lines: string[] = [];
  if (remedy.postfix) {
    lines.push('Postfix smtp_tls_policy_maps (keep the old digests until the old leaf is retired):');
    lines.push(...remedy.postfix.lines.map((l) => `  ${l}`), `  ${remedy.postfix.note}`);
  }
  if (remedy.tlsa?.length) {
    lines.push('TLSA records to publish (keep the old ones until the old leaf is retired):');
    lines.push(...remedy.tlsa.map((l) => `  ${l}`));
  }
  for (const anchor of remedy.anchors ?? []) {
    lines.push(
      `Add the anchor to the CA file: ${anchor.subject}`,
      `  sha256 ${anchor.sha256}`,
      `  from ${anchor.publishedAt}`,
    );
  }
  if (remedy.mx?.length) {
    lines.push('MTA-STS policy lines to add:', ...remedy.mx.map((l) => `  ${l}`));
  }
  return lines;
}

function mismatch(f: PolicyMismatchFacts, where: string, word: string) {
  const share = Math.round(f.rollout.share * 100);
  return {
    title: `${word} on ${where}: ${f.keyType} leaf refused on ${f.rollout.serving} of ${f.rollout.total} addresses`,
    lines: [
      `Your policy refuses the ${f.keyType} leaf now served on ${f.addresses.join(', ')} (${share}% of the addresses answering so far).`,
      ...f.failures.map((x) => `  policy ${x.policy} ${x.kind}: ${x.reason}`),
      ...certLines(f.cert),
      ...remedyLines(f.remedy),
    ],
  };
}

/** The subject and text of a consumer policy notice. */
export function describePolicyNotice(notice: NoticeBase, where: string): { title: string; lines: string[] } {
  switch (notice.type) {
    case 'POLICY_MISMATCH':
      return mismatch(notice.facts as PolicyMismatchFacts, where, 'policy mismatch');
    case 'POLICY_WARNING':
      return mismatch(notice.facts as PolicyMismatchFacts, where, 'policy warning');
    case 'POLICY_SATISFIED': {
      const f = notice.facts as NoticeFactsMap['POLICY_SATISFIED'];
      return {
        title: `policy satisfied again on ${where}`,
        lines: [
          `Every chain judged on ${f.addresses.join(', ')} passes your policy again.`,
          ...f.leaves.map((sha) => `  previously refused: sha256 ${sha}`),
        ],
      };
    }
    case 'PIN_UNUSED': {
      const f = notice.facts as NoticeFactsMap['PIN_UNUSED'];
      return {
        title: `${f.kind === 'pin' ? 'pin' : 'TLSA record'} unused on ${where}: its ${f.keyType} leaf retired`,
        lines: [
          `${f.pin} matched only ${commonName(f.retired.subject)} (sha256 ${shortSha(f.retired.sha256)}), now retired; no served leaf matches it: safe to remove.`,
          ...certLines(f.retired),
        ],
      };
    }
    case 'MTA_STS_CHANGED': {
      const f = notice.facts as NoticeFactsMap['MTA_STS_CHANGED'];
      const show = (p: typeof f.current) =>
        `mode ${p.mode}, max_age ${p.maxAge}, mx ${p.mx.join(' ') || '(none)'} (id ${p.id})`;
      return {
        title: `MTA-STS policy of ${f.domain} changed: ${f.previous.mode} -> ${f.current.mode}`,
        lines: [`  before ${show(f.previous)}`, `  now    ${show(f.current)}`],
      };
    }
    default:
      return { title: notice.type, lines: [] };
  }
}
