/**
 * Text of a policy file → the document {@link parsePolicyDocument} reads. JSON when the text is JSON
 * (or the name ends in .json), else YAML with js-yaml's safe schema (no custom tags, no code).
 */
import { CoreError } from '../errors';

/** Largest policy file read (PEM is referred to by path, so real files are a few KiB). */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Decodes policy text. @throws CoreError POLICY_INVALID with the parser's position. */
export function decodePolicyText(text: string, source: string): unknown {
  if (text.length > MAX_POLICY_BYTES)
    throw new CoreError('POLICY_INVALID', `${source}: larger than ${MAX_POLICY_BYTES} bytes`);
  const json = /\.json$/i.test(source) || /^\s*[{[]/.test(text);
  try {
    if (json) return JSON.parse(text);
    // Loaded on demand: only YAML files pay for the parser.
    const yaml = require('js-yaml') as typeof import('js-yaml');
    return yaml.safeLoad(text, { filename: source, json: true });
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).split('\n')[0];
    throw new CoreError('POLICY_INVALID', `${source}: not valid ${json ? 'JSON' : 'YAML'}: ${message}`, {
      cause: error,
    });
  }
}
