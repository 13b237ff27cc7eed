/**
 * A notice's words, from its type's module: the SNS-sized subject (`certwatch SEVERITY: title`) and the
 * text (title, the type's lines, then the targets of a notice about a leaf several targets share).
 */

import type { SharedTargetFacts } from './facts';
import type { NoticeDraft, Where } from './kind';
import { type NoticeType, noticeKind } from './registry';
import { hostPort, targetLines, toSubject } from './text';

/** The subject and text of a notice. */
export function renderNotice(notice: NoticeDraft): { subject: string; text: string } {
  const kind = noticeKind(notice.type as NoticeType);
  const shared = kind.shared ? sharedTargets(notice) : [];
  const where: Where = shared.length > 1 ? `${shared.length} targets` : notice.target ? hostPort(notice.target) : '';
  const { title, lines } = kind.describe(notice as NoticeDraft<never>, where);
  const subject = toSubject(`certwatch ${notice.severity}: ${title}`);
  return { subject, text: [title, ...lines, ...targetLines(shared)].join('\n') };
}

function sharedTargets(notice: NoticeDraft): SharedTargetFacts[] {
  return (notice.facts as { targets?: SharedTargetFacts[] }).targets ?? [];
}
