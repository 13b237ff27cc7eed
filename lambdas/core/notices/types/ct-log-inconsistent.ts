/** CT_LOG_INCONSISTENT: a Certificate Transparency log failed verification; none of its new entries are used. */
import { noticeKey } from '../keys';
import { defineNotice, NOTICE_DOCS } from '../kind';

/** The body of a CT_LOG_INCONSISTENT notice. */
export interface CtLogInconsistentFacts {
  log: string;
  logId: string;
  url: string;
  protocol: 'rfc6962' | 'static-ct';
  /** The incident's number for this log (1, 2, ...). */
  incident: number;
  reason: string;
  since: string;
  /** The last good position (entries read and verified) and the last verified tree size. */
  position: number;
  verifiedSize: number | null;
}

export const CT_LOG_INCONSISTENT = defineNotice<CtLogInconsistentFacts>()({
  type: 'CT_LOG_INCONSISTENT',
  severity: 'critical',
  dedupeKey: 'CT_LOG_INCONSISTENT#<log_id>#<incident>',
  key: (logId: string, incident: number) => noticeKey('CT_LOG_INCONSISTENT', logId, incident),
  describe: ({ facts: f }) => ({
    title: `CT log ${f.log} is inconsistent`,
    lines: [
      `  ${f.reason}`,
      `  kept at entry ${f.position} (verified size ${f.verifiedSize ?? 'none'}); its new entries are not used.`,
      '  A log that contradicts itself may be hiding certificates: report it to its operator and the log list.',
    ],
  }),
  ...(NOTICE_DOCS && {
    when:
      'a CT log gave a tree head whose signature does not verify, a fork (a head that does not extend the verified ' +
      'one), a tree that shrank, or entries that do not give its signed root: once per incident; the log keeps its ' +
      'last good position and none of its new entries are used until it verifies again',
    fields: {
      log: "the log's name in the list",
      logId: 'its log_id',
      url: 'its URL (monitoring prefix for static-ct)',
      protocol: '`rfc6962` or `static-ct`',
      incident: "the incident's number for this log",
      reason: 'what failed',
      since: 'when the incident began',
      position: 'entries read and verified (the last good position)',
      verifiedSize: 'the last verified tree size, or null',
    },
    example: {
      dedupeKey: noticeKey('CT_LOG_INCONSISTENT', 'DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=', 1),
      target: null,
      hosts: [],
      facts: {
        log: "Google 'Argon2026h2' log",
        logId: 'DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=',
        url: 'https://ct.googleapis.com/logs/us1/argon2026h2/',
        protocol: 'rfc6962',
        incident: 1,
        reason: 'the head at 1200 does not extend the one at 1000: a fork',
        since: '2026-07-01T10:00:00.000Z',
        position: 1000,
        verifiedSize: 1000,
      },
    },
  }),
});
