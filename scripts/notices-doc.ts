/**
 * Writes docs/notices.md from the notice catalogue (lambdas/core/notices/registry.ts): every type with its
 * severity, when it is raised, its facts, its dedupe key, its SNS attributes and an example subject.
 * `npm run docs:notices`; test/unit/notices-doc.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNotice, NOTICE_KINDS, type NoticeType } from '../lambdas/core/notice';
import { type NoticeKind, noticeDocs } from '../lambdas/core/notices/kind';

/** The path of the generated page. */
export const NOTICES_DOC = join(__dirname, '..', 'docs', 'notices.md');

const pipes = (text: string) => text.replace(/\|/g, '\\|');
const anchor = (type: string) => type.toLowerCase();

function exampleOf(kind: NoticeKind) {
  return createNotice({
    type: kind.type as NoticeType,
    at: '2026-06-01T00:00:00.000Z',
    ...noticeDocs(kind).example,
  } as never);
}

function attributesText(kind: NoticeKind): string {
  const own = Object.keys(kind.attributes?.(exampleOf(kind)) ?? {});
  return ['`type`', '`severity`', '`dedupeKey`', '`host`', ...own.map((a) => `\`${a}\` (this type)`)].join(', ');
}

function section(kind: NoticeKind): string[] {
  const fields = Object.entries(noticeDocs(kind).fields as Record<string, string>).map(
    ([name, doc]) => `| \`${name}\` | ${pipes(doc)} |`,
  );
  return [
    `### ${kind.type}`,
    '',
    `**${kind.severity}** — ${noticeDocs(kind).when}.`,
    '',
    `- Dedupe key: \`${kind.dedupeKey}\`${kind.shared ? ' (merged over targets: see above)' : ''}`,
    `- SNS attributes: ${attributesText(kind)}`,
    `- Example subject: \`${exampleOf(kind).subject}\``,
    '',
    '| Facts field | Meaning |',
    '|---|---|',
    ...fields,
    '',
  ];
}

/** The Markdown page. */
export function renderNoticesDoc(): string {
  const kinds = NOTICE_KINDS as readonly NoticeKind[];
  const shared = kinds.filter((k) => k.shared).map((k) => k.type);
  return [
    '# Notices',
    '',
    '<!-- Generated from lambdas/core/notices/ by `npm run docs:notices`; do not edit by hand. -->',
    '',
    'Each notice is one JSON body (contract) published to the SNS topic, printed by `certwatch check`, and',
    'listed by `check --json`: `{ type, severity, dedupeKey, target, hosts, at, subject, text, facts }`.',
    '`target` is the target URL, or null for a notice about several targets or none; `hosts` the host names',
    'concerned; `at` the cycle instant; `subject` at most 100 printable ASCII characters',
    '(`certwatch SEVERITY: ...`, the SNS Subject); `text` a few lines for people (what e-mail subscribers',
    'receive); `facts` the machine-readable body of the type, below.',
    '',
    'SNS message attributes for filter policies: `type`, `severity` (`info`, `warning`, `critical`), `dedupeKey`',
    '(to drop the rare second delivery) and `host` (always a `String.Array`, present when the notice names',
    'hosts), plus any a type adds. The dedupe key identifies the event: under retries and overlapping runs',
    'each key is published once (the outbox keeps it as `NOTICE#<key>`).',
    '',
    `Certificate facts (\`cert\`, \`replaces\`, ...): \`sha256\`, \`role\` (\`leaf\` or \`chain\`), \`subject\`, \`issuer\`, \`serial\`,`,
    '`notBefore`, `notAfter`, `daysLeft` (from the notice instant, floored to a tenth; negative once expired),',
    '`keyAlgorithm`, `spkiSha256`, `sans`.',
    '',
    `A leaf several targets of one cycle share raises one notice listing them (${shared.map((t) => `\`${t}\``).join(', ')}):`,
    '`target` null, `facts.targets` the targets with their addresses, the subject says `on N targets`, and',
    'the dedupe key is `<TYPE>#<event>#shared#<digest of the per-target keys>`.',
    '',
    '| Type | Severity | When |',
    '|---|---|---|',
    ...kinds.map((k) => `| [\`${k.type}\`](#${anchor(k.type)}) | ${k.severity} | ${pipes(noticeDocs(k).when)} |`),
    '',
    '## Types',
    '',
    ...kinds.flatMap(section),
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(NOTICES_DOC, renderNoticesDoc());
  console.log(`wrote ${NOTICES_DOC}`);
}
