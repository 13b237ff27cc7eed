/**
 * The deployment's target list, shipped beside the handler as `data/watch-targets.txt` (one entry per
 * line) rather than in the environment: Lambda's 4 KB environment holds a few dozen targets, a file
 * holds any list. The plan step merges it into the table's watch list (a removed entry stays removed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIPPED_TARGETS_FILE } from '../contract/function-env';

/** The shipped entries, or null when the bundle has none (tests that set CERTWATCH_TARGETS instead). */
export function loadShippedTargets(dir = join(__dirname, 'data')): string[] | null {
  const path = join(dir, SHIPPED_TARGETS_FILE);
  if (!existsSync(path)) return null;
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
