/**
 * The consumer policy the stack ships beside the handler (`data/consumer-policy.json`, PEM inline: a
 * file path means nothing inside the Lambda), checked against the SHA-256 the stack put in the
 * environment so that a stale or damaged file is a configuration error, not a silent other policy.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicySet } from '../core/policy/model';
import { parsePolicyDocument } from '../core/policy/parse';

/** The file name beside the bundle's index.js (lib/function-settings.ts writes it). */
export const SHIPPED_POLICY_FILE = 'consumer-policy.json';

/** Reads and checks the shipped policy. @throws Error naming the file and what is wrong. */
export function loadShippedPolicy(sha256: string, dir = join(__dirname, 'data')): PolicySet {
  const path = join(dir, SHIPPED_POLICY_FILE);
  const text = readFileSync(path, 'utf8');
  const actual = createHash('sha256').update(text).digest('hex');
  if (actual !== sha256) throw new Error(`${path}: SHA-256 ${actual} is not the ${sha256} the stack deployed`);
  return parsePolicyDocument(JSON.parse(text), { source: 'context policy' });
}
