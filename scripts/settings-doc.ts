/**
 * Writes docs/settings.md from the settings table: every setting with its spellings, default and
 * accepted values. `npm run docs:settings`; test/unit/settings-doc.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployedSettings } from '../lambdas/settings/deployed';
import { type DeployKind, defaultText, type Setting } from '../lambdas/settings/setting';
import { SETTINGS } from '../lambdas/settings/table';

/** The path of the generated page. */
export const SETTINGS_DOC = join(__dirname, '..', 'docs', 'settings.md');

const cell = (text: string | undefined) => (text ? `\`${text}\`` : '—');
const pipes = (text: string) => text.replace(/\|/g, '\\|');

/** The names of the settings deployed as `kind`, for prose. */
function names(kind: DeployKind): string {
  const all = deployedSettings(kind).map((s) => `\`${s.name}\``);
  return all.length < 2 ? all.join('') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/** The Markdown page. */
export function renderSettingsDoc(): string {
  const rows = (Object.values(SETTINGS) as Setting<unknown, unknown>[]).map(
    (s) =>
      `| \`${s.name}\` | ${pipes(s.doc)} | ${cell(s.flag)} | ${cell(s.env)} | ${cell(s.context)} | ${pipes(defaultText(s))} | ${pipes(s.parser.accepts)} |`,
  );
  return [
    '# Settings',
    '',
    '<!-- Generated from lambdas/settings/table.ts by `npm run docs:settings`; do not edit by hand. -->',
    '',
    'Every setting of certwatch is defined once, in `lambdas/settings/table.ts`, and read through up to',
    'three spellings: a CLI flag, an environment variable (the Lambda function reads these; the CLI reads',
    'the thresholds from them too) and a CDK context key (`-c key=value` or `cdk.json`). The watcher',
    'construct validates its properties (named like the setting) through the same table. Each setting has',
    'one range wherever it is given; the stack adds its own checks where it needs tighter bounds (the',
    'function timeout sized from the targets and the probe timeout must fit Lambda and the schedule).',
    '',
    'The stack ships these to the Lambda function, read from context or the construct property of the same',
    'name and carried in its environment (a `deploy` mark in the table does it all):',
    `${names('function')}; the thresholds ${names('watch')} (properties inside \`watchConfig\`). It sets`,
    `${names('stack')} itself.`,
    '',
    'A value that cannot be used is refused with one line naming the setting as it was spelled, the value',
    'and what is accepted (`CERTWATCH_FAILING_AFTER="0": must be a whole number from 1 to 1000`). An',
    'empty value is an error too: leave the setting out for its default.',
    '',
    '| Setting | What it does | Flag | Environment | Context | Default | Accepts |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(SETTINGS_DOC, renderSettingsDoc());
  console.log(`wrote ${SETTINGS_DOC}`);
}
