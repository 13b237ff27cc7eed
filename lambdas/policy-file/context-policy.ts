/**
 * Context `policy` for the CDK app (bin/app.ts): a file name, or the document itself, read at synth
 * into its portable form — JSON with every CA file inlined as PEM — and that JSON's SHA-256. The stack
 * ships it beside the handler; a path would mean nothing inside the Lambda. Not under lib/: reading and
 * parsing a policy is runtime logic the stack itself never loads (test/stack/lib-imports.test.ts).
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { CoreError } from '../core/errors';
import { decodePolicyText, MAX_POLICY_BYTES } from '../core/policy/decode';
import { parsePolicyDocument, portablePolicyDocument } from '../core/policy/parse';
import { ConfigError } from '../settings/config-error';
import type { PolicySource } from '../settings/table';
import { MAX_CA_BYTES, readBoundedTextSync } from './bounded-text';

/**
 * The portable policy of a context value; `ca` paths are relative to the policy file, or to `baseDir`
 * for an inline document. @throws ConfigError naming the context key and the entry at fault
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
      document = decodePolicyText(readBoundedTextSync(file, MAX_POLICY_BYTES), file);
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
    if (error instanceof CoreError) throw refusal(error.message, error);
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw refusal(`context policy: cannot read (${code})`, error);
  }
}

function refusal(message: string, cause: unknown): ConfigError {
  return new ConfigError({ setting: 'policy', spelling: 'policy', source: 'context' }, message, { cause });
}
