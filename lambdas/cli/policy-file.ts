/**
 * Reads `--policy FILE`: JSON or YAML, `ca` paths relative to the file. Errors are usage errors
 * (exit 2, one line) naming the file and the entry.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CoreError } from '../core/errors';
import { decodePolicyText, MAX_POLICY_BYTES } from '../core/policy/decode';
import type { PolicySet } from '../core/policy/model';
import { parsePolicyDocument } from '../core/policy/parse';
import { UsageError } from './cli-io';

const MAX_CA_BYTES = 4 * 1024 * 1024;

function readBounded(path: string, limit: number): string {
  if (statSync(path).size > limit) throw new Error(`larger than ${limit} bytes`);
  return readFileSync(path, 'utf8');
}

/** Loads and checks a policy file. @throws UsageError */
export function loadPolicyFile(file: string): PolicySet {
  let text: string;
  try {
    text = readBounded(file, MAX_POLICY_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--policy ${file}: cannot read (${code})`, { cause: error });
  }
  try {
    const document = decodePolicyText(text, file);
    return parsePolicyDocument(document, {
      source: file,
      readFile: (path) => readBounded(resolve(dirname(file), path), MAX_CA_BYTES),
    });
  } catch (error) {
    if (error instanceof CoreError) throw new UsageError(`--policy ${error.message}`, { cause: error });
    throw error;
  }
}
