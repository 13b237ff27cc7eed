/**
 * The live view of a target (`TARGET#<url> / STATE#LIVE`): a copy of the certificate records detection
 * reads when nothing new is served (lambdas/core/detect/live-records.ts), kept beside the STATE so that a
 * steady cycle reads both in one query instead of the target's whole history (docs/history-table.md "The
 * live view"). The `CERT#` items stay the history users read; the view is derived from them, and
 * `STATE.liveRev` names the view revision the STATE was written with: a view that does not match is not
 * used, and is written again.
 *
 * The copies are one string, `certs`: the `CERT#` items' attributes (their keys left out: a record's
 * `target` and `sha256` give them again) as a JSON array, Brotli-compressed, in base64. Four records of a
 * typical target are 3.7 KB of JSON and 1.5 KB so: with a 1 KB STATE the pair stays within the 4 KB of
 * one read unit, and a rewrite costs 2 write units, not 4. Beside them, `summary`: what detection derives
 * from the records left out (per key type the observed cadence, core/history.ts HistorySummary), a few
 * dozen bytes.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { keys } from '../contract/table-schema';
import type { CertRecord, HistorySummary } from '../core/history';
import { KEY_TYPES } from '../core/observation';
import type { Item } from './engine';
import { StoreError } from './errors';
import { certFromItem, certItem } from './items';

/**
 * Brotli at quality 5, not the default 11: on a typical view (3.7 KB of JSON) 11 takes ≈ 4.4 ms and 5
 * ≈ 0.07 ms for 7 % more bytes (1,116 against 1,044), still one read unit beside the STATE — at 11 the
 * compression alone was half the CPU of a first cycle (docs/performance.md).
 */
const COMPRESSION = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

/** What a copy leaves out of a `CERT#` item: its keys and kind. */
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'kind'];

/** The view item of `records` (each at its stored revision) and `summary`, as revision `rev` of the view. */
export function liveViewItem(
  target: string,
  records: readonly CertRecord[],
  summary: HistorySummary,
  rev: number,
): Item {
  const copies = records.map((record) => {
    const item = certItem(record, record.rev);
    for (const name of KEY_ATTRIBUTES) delete item[name];
    return item;
  });
  return {
    pk: keys.target(target),
    sk: keys.liveView,
    kind: 'LIVE',
    target,
    certs: brotliCompressSync(JSON.stringify(copies), COMPRESSION).toString('base64'),
    summary: { cadence: { ...summary.cadence } },
    rev,
  };
}

/**
 * The summary of a view item. @throws StoreError ITEM_INVALID when it is missing or not a summary (a view
 * of an earlier revision of this format, or damaged: the caller reads the whole history instead).
 */
export function liveViewSummary(item: Item): HistorySummary {
  const invalid = (what: string) =>
    new StoreError('ITEM_INVALID', `item ${String(item.pk)} / ${String(item.sk)}: "summary" ${what}`);
  const summary = item.summary as { cadence?: unknown } | undefined;
  if (typeof summary !== 'object' || summary === null) throw invalid('is missing');
  const cadence = summary.cadence as Record<string, { rotations?: unknown; replacedAfterMs?: unknown }> | undefined;
  if (typeof cadence !== 'object' || cadence === null) throw invalid('has no cadence');
  const out: HistorySummary = { cadence: {} };
  for (const [keyType, c] of Object.entries(cadence)) {
    const known = KEY_TYPES.find((k) => k === keyType);
    const rotations = Number(c?.rotations);
    const replacedAfterMs = Number(c?.replacedAfterMs);
    if (!known || !Number.isInteger(rotations) || rotations < 0 || !Number.isFinite(replacedAfterMs)) {
      throw invalid(`has a bad cadence for "${keyType}"`);
    }
    out.cadence[known] = { rotations, replacedAfterMs };
  }
  return out;
}

/** The records of a view item. @throws StoreError ITEM_INVALID when its copies do not read as records. */
export function liveViewRecords(item: Item): CertRecord[] {
  let copies: unknown;
  try {
    copies = JSON.parse(brotliDecompressSync(Buffer.from(String(item.certs), 'base64')).toString('utf8'));
  } catch (cause) {
    throw new StoreError('ITEM_INVALID', `item ${String(item.pk)} / ${String(item.sk)}: "certs" does not read`, {
      cause,
    });
  }
  if (!Array.isArray(copies)) {
    throw new StoreError('ITEM_INVALID', `item ${String(item.pk)} / ${String(item.sk)}: "certs" is not a list`);
  }
  return copies.map((c: Item) =>
    certFromItem({ ...c, pk: item.pk, sk: keys.cert(String(c.sha256)), gsi1pk: keys.fingerprint(String(c.sha256)) }),
  );
}
