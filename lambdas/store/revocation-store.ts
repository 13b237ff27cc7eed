/**
 * Revocation verdicts on the table (docs/revocation.md "Fetching"): one `REVOCATION#<url>` / `SERIAL#<serial>`
 * item per certificate asked of a source, holding the verdict until the answer's nextUpdate — never a
 * CRL. Writes are last-writer-wins (two runs that fetched the same answer write the same verdict); TTL
 * drops an item a week after it stops counting, and a read ignores one past its time anyway (dynalite
 * never expires items). A damaged item is left out and noted as a bad item (bad-items.ts): its
 * certificate's source is fetched again, and the item is not overwritten — it waits for `certwatch repair`.
 */
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { CachedVerdict, RevocationCache } from '../core/revocation/cache';
import type { SourceVerdict } from '../core/revocation/model';
import { BadItems } from './bad-items';
import type { Item, TableEngine } from './engine';
import { assertItem } from './item-schema';

const RETENTION_SECONDS = 7 * 86_400;

/**
 * Whether the item's keys fit DynamoDB's limits (2048 bytes of partition key, 1024 of sort key): a
 * certificate may name a longer URL (or carry a longer serial), and one such key would fail the whole
 * batch — every target's verdicts. Its verdict is then simply not cached, fetched each cycle.
 */
function storable(url: string, serial: string): boolean {
  return Buffer.byteLength(keys.revocation(url)) <= 2048 && Buffer.byteLength(keys.revocationSerial(serial)) <= 1024;
}

/** {@link RevocationCache} on a table engine. */
export function revocationStoreOn(engine: TableEngine, badItems = new BadItems()): RevocationCache {
  // Keys of the damaged items met: never written over (a damaged store is refused, never replaced).
  const damaged = new Set<string>();
  const keyOf = (url: string, serial: string) => `${keys.revocation(url)} ${keys.revocationSerial(serial)}`;
  return {
    async getVerdicts(wanted, now) {
      const unique = new Map(wanted.filter((w) => storable(w.url, w.serial)).map((w) => [`${w.url} ${w.serial}`, w]));
      if (unique.size === 0) return [];
      const items = await engine.batchGet(
        [...unique.values()].map((w) => ({ pk: keys.revocation(w.url), sk: keys.revocationSerial(w.serial) })),
      );
      return badItems
        .decodeEach(items, (item) => {
          try {
            assertItem(item);
          } catch (error) {
            damaged.add(`${String(item.pk)} ${String(item.sk)}`);
            throw error;
          }
          return item;
        })
        .map((item) => ({
          url: String(item.url),
          serial: String(item.serial),
          issuerSha256: String(item.issuerSha256),
          verdict: item.verdict as SourceVerdict,
          expiresAt: String(item.validUntil),
        }))
        .filter((entry) => Date.parse(entry.expiresAt) > now.getTime());
    },

    async putVerdicts(entries: readonly CachedVerdict[]) {
      const writable = entries.filter(
        (entry) => storable(entry.url, entry.serial) && !damaged.has(keyOf(entry.url, entry.serial)),
      );
      if (writable.length === 0) return;
      const items: Item[] = writable.map((entry) => ({
        pk: keys.revocation(entry.url),
        sk: keys.revocationSerial(entry.serial),
        kind: 'REVOCATION',
        url: entry.url,
        serial: entry.serial,
        issuerSha256: entry.issuerSha256,
        // A plain copy: no undefined fields for the wire.
        verdict: JSON.parse(JSON.stringify(entry.verdict)),
        validUntil: entry.expiresAt,
        [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(entry.expiresAt) / 1000) + RETENTION_SECONDS,
      }));
      await engine.batchWrite({ put: items });
    },
  };
}
