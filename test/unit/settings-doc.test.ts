/**
 * The docs list every setting: docs/settings.md is generated from the table and must be current, and
 * the deployment guide describes every context key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../../lambdas/settings/table';
import { renderSettingsDoc, SETTINGS_DOC } from '../../scripts/settings-doc';

test('docs/settings.md is generated from the settings table (npm run docs:settings)', () => {
  expect(readFileSync(SETTINGS_DOC, 'utf8')).toBe(renderSettingsDoc());
});

test('docs/deploy.md describes every context key', () => {
  // Prepare
  const guide = readFileSync(join(__dirname, '../../docs/deploy.md'), 'utf8');

  // Act
  const missing = Object.values(SETTINGS)
    .flatMap((s) => ('context' in s && s.context ? [s.context] : []))
    .filter((key) => !guide.includes(`| \`${key}\` |`));

  // Assess
  expect(missing).toEqual([]);
});
