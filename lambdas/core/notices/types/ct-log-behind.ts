/** CT_LOG_BEHIND: a Certificate Transparency log has not been read up to its head for a day. */
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';
import { hoursText } from '../text';

/** The body of a CT_LOG_BEHIND notice. */
export interface CtLogBehindFacts {
  log: string;
  logId: string;
  url: string;
  protocol: 'rfc6962' | 'static-ct';
  incident: number;
  /** When reading last reached the log's head. */
  caughtUpAt: string;
  lagHours: number;
  position: number;
  verifiedSize: number | null;
  /** The last failure, if reading failed. */
  lastError: { code: string; message: string } | null;
}

export const CT_LOG_BEHIND = defineNotice<CtLogBehindFacts>()({
  type: 'CT_LOG_BEHIND',
  severity: 'warning',
  dedupeKey: 'CT_LOG_BEHIND#<log_id>#<incident>',
  key: (logId: string, incident: number) => noticeKey('CT_LOG_BEHIND', logId, incident),
  describe: ({ facts: f }) => ({
    title: `CT log ${f.log} behind for ${hoursText(Math.floor(f.lagHours))}`,
    lines: [
      `  read up to entry ${f.position} of ${f.verifiedSize ?? 'unknown'}; last caught up ${f.caughtUpAt}.`,
      f.lastError
        ? `  last error: ${f.lastError.code} ${f.lastError.message}`
        : '  no error: more entries than a cycle reads.',
    ],
  }),
  ...(NOTICE_DOCS && {
    when:
      'a CT log has not been read up to its head for a day (unreachable, slow, or more entries than the per-cycle ' +
      'bounds allow): once per lag; an unreachable log is retried every cycle and is not inconsistent',
    fields: {
      log: "the log's name in the list",
      logId: 'its log_id',
      url: 'its URL',
      protocol: '`rfc6962` or `static-ct`',
      incident: "the lag's number for this log",
      caughtUpAt: 'when reading last reached its head',
      lagHours: 'hours since then',
      position: 'entries read and verified',
      verifiedSize: 'the last verified tree size, or null',
      lastError: 'the last failure (`code`, `message`), or null',
    },
    example: {
      dedupeKey: noticeKey('CT_LOG_BEHIND', 'DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=', 1),
      target: null,
      hosts: [],
      facts: {
        log: "Google 'Argon2026h2' log",
        logId: 'DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=',
        url: 'https://ct.googleapis.com/logs/us1/argon2026h2/',
        protocol: 'rfc6962',
        incident: 1,
        caughtUpAt: '2026-06-30T09:00:00.000Z',
        lagHours: 25,
        position: 1000,
        verifiedSize: 250000,
        lastError: { code: 'CT_TIMEOUT', message: 'no complete answer in 10000 ms' },
      },
    },
  }),
});
