/**
 * The parts dedupe keys are made of (docs/notices.md lists each type's key). Keys are stored in the outbox
 * (`NOTICE#<key>`): a key's shape never changes, or an event already published would be published again.
 */
import { createHash } from 'node:crypto';

/** A dedupe key: type, then the parts that identify the event, `#`-separated. */
export function noticeKey(type: string, ...parts: Array<string | number>): string {
  return [type, ...parts].join('#');
}

/** A short order-free digest of strings, for dedupe keys. */
export function digestOf(parts: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(parts)].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
}
