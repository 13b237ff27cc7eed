/**
 * The `ctLogs` setting's value (docs/ct.md "The log list"): off, a log list URL or a log list file. Apart
 * from log-list.ts so the settings table (loaded for `--help`) imports nothing else of CT.
 */

/** Where Chrome's log list is published (the detached signature is `log_list.sig` beside it). */
export const CHROME_LOG_LIST_URL = 'https://www.gstatic.com/ct/log_list/v3/log_list.json';

/** Where the followed logs come from (`ctLogs`); `text` is the value as written. */
export type CtLogsSource =
  | { kind: 'off'; text: 'off' }
  | { kind: 'file'; path: string; text: string }
  | { kind: 'url'; url: string; text: string };

/** Reads a `ctLogs` value: `off`, an http(s) URL, or a file name. */
export function ctLogsSource(value: string): CtLogsSource {
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'off') return { kind: 'off', text: 'off' };
  if (/^https?:\/\//i.test(text)) return { kind: 'url', url: text, text };
  return { kind: 'file', path: text, text };
}
