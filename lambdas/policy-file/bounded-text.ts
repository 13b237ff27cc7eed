/**
 * Reading the small text files a consumer policy names — the policy itself and its CA bundles — with a
 * size cap, for the CLI (`--policy`) and the CDK app (context `policy`) alike. Only node:fs: the CLI
 * loads this at start.
 */
import { readFileSync, statSync } from 'node:fs';

/** The largest CA bundle a policy's `ca` entry may name. */
export const MAX_CA_BYTES = 4 * 1024 * 1024;

/**
 * Reads a small text file at once (a policy, a CA bundle), refusing one whose size is over `limit`.
 * Throws the fs error (with its `code`), or an Error "larger than N bytes": callers word the message.
 */
export function readBoundedTextSync(path: string, limit: number): string {
  if (statSync(path).size > limit) throw new Error(`larger than ${limit} bytes`);
  return readFileSync(path, 'utf8');
}
