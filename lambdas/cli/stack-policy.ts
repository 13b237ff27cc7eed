/**
 * Context `policy` for the CDK app (bin/app.ts): a file name, or the document itself, read at synth
 * into its portable form — JSON with every CA file inlined as PEM — and that JSON's SHA-256. The stack
 * ships it beside the handler; a path would mean nothing inside the Lambda.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { CoreError } from '../core/errors';
import { decodePolicyText, MAX_POLICY_BYTES } from '../core/policy/decode';
import { parsePolicyDocument, portablePolicyDocument } from '../core/policy/parse';
import type { PolicySource } from '../settings/table';
import { UsageError } from './cli-io';
import { MAX_CA_BYTES, readBoundedFileSync, readBoundedTextSync } from './shared/bounded-input';

/**
 * The portable policy of a context value; `ca` paths are relative to the policy file, or to `baseDir`
 * for an inline document. @throws UsageError naming the context key and the entry at fault
 */
export function portablePolicy(source: PolicySource, baseDir = process.cwd()): { json: string; sha256: string } {
  try {
    let document: unknown;
    let dir = baseDir;
    let label = 'context policy';
    if ('file' in source) {
      const file = resolve(baseDir, source.file);
      dir = dirname(file);
      label = `context policy ${source.file}`;
      document = decodePolicyText(readBoundedFileSync(file, MAX_POLICY_BYTES, 'context policy'), file);
    } else {
      document = source.document;
    }
    const set = parsePolicyDocument(document, {
      source: label,
      readFile: (path) => readBoundedTextSync(resolve(dir, path), MAX_CA_BYTES),
    });
    const json = JSON.stringify(portablePolicyDocument(set));
    return { json, sha256: createHash('sha256').update(json).digest('hex') };
  } catch (error) {
    if (error instanceof CoreError) throw new UsageError(error.message, { cause: error });
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`context policy: cannot read (${code})`, { cause: error });
  }
}
