/**
 * The history table's keys and names (contract: docs/history-table.md). Constants only, no AWS SDK:
 * the CDK stack imports this without pulling runtime code into synth.
 */

/** Attribute names of the keys and the one GSI. */
export const TABLE_SCHEMA = Object.freeze({
  partitionKey: 'pk',
  sortKey: 'sk',
  fingerprintIndex: Object.freeze({ name: 'byFingerprint', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }),
  /** Epoch seconds after which a sent notice may be dropped (enable TTL on it in the stack). */
  ttlAttribute: 'expiresAt',
});

/** Table name used when none is given. */
export const DEFAULT_TABLE_NAME = 'certwatch';

/** Item keys of the single-table design. */
export const keys = {
  target: (targetUrl: string) => `TARGET#${targetUrl}`,
  cert: (sha256: string) => `CERT#${sha256}`,
  state: 'STATE',
  /** A copy of the records a steady cycle's detection reads, beside the STATE (docs/history-table.md). */
  liveView: 'STATE#LIVE',
  /** The last complete TLS posture per address of a target. */
  posture: 'POSTURE',
  /** All notices live in one partition so pending ones are found without knowing their targets. */
  outbox: 'OUTBOX',
  notice: (dedupeKey: string) => `NOTICE#${dedupeKey}`,
  /**
   * The pending notices' markers (`NOTICE#<dedupe key>`, one per pending notice) and `INDEXED`: a drain
   * reads these few items instead of every notice kept (docs/history-table.md "Items").
   */
  outboxPending: 'OUTBOX#PENDING',
  outboxIndexed: 'INDEXED',
  fingerprint: (sha256: string) => `FP#${sha256}`,
  /** The watch list: one partition, one `ITEM#<target>` per watched target plus the `META` item. */
  watchList: 'WATCHLIST',
  watchItem: (target: string) => `ITEM#${target}`,
  watchMeta: 'META',
  /** The last MX set of an `mx:DOMAIN` entry. */
  mx: (domain: string) => `MX#${domain}`,
  mxSet: 'MX',
  /** A fanned-out run: `BASELINE#<target>` items until its merge step (TTL drops them). */
  run: (runId: string) => `RUN#${runId}`,
  runBaseline: (target: string) => `BASELINE#${target}`,
  /** A shard's notice about a leaf, until the run's merge step settles it across shards. */
  runNotice: (dedupeKey: string) => `NOTICE#${dedupeKey}`,
  /** The measured probe rate that sizes the next run's shards. */
  runs: 'RUNS',
  probeRate: 'RATE',
  /** Certificate Transparency: one `LOG#<log_id>` item per followed log, and the cached log list (`LIST`). */
  ctLogs: 'CT#LOGS',
  ctLog: (logId: string) => `LOG#${logId}`,
  ctList: 'LIST',
  /** Certificates logged for watched hosts: one `CERT#<link key>` item each (docs/ct.md). */
  ctIssued: 'CT#ISSUED',
  ctIssuedCert: (linkKey: string) => `CERT#${linkKey}`,
  /** Revocation verdicts: one `SERIAL#<serial>` item per certificate asked of a source URL (docs/revocation.md). */
  revocation: (url: string) => `REVOCATION#${url}`,
  revocationSerial: (serial: string) => `SERIAL#${serial}`,
} as const;
