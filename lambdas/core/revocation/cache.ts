/**
 * Verdicts kept between fetches: per (URL, serial) until the answer's nextUpdate, never the CRL itself
 * (docs/revocation.md). `check` and the Lambda keep them in the store, `probe` and `inspect` in memory.
 */
import type { SourceVerdict } from './model';

/** One cached verdict. */
export interface CachedVerdict {
  url: string;
  /** The certificate's serial (lowercase hex, as the observation prints it). */
  serial: string;
  /** SHA-256 of the issuer's certificate the verdict was made against: another issuer misses. */
  issuerSha256: string;
  verdict: SourceVerdict;
  /** When it stops counting: the answer's nextUpdate (ISO 8601). */
  expiresAt: string;
}

/** The port the revocation checker keeps verdicts through. */
export interface RevocationCache {
  /** The unexpired entries among those asked for (by URL and serial). */
  getVerdicts(keys: readonly { url: string; serial: string }[], now: Date): Promise<CachedVerdict[]>;
  putVerdicts(entries: readonly CachedVerdict[]): Promise<void>;
}

/** The key of an entry. */
export function cacheKey(url: string, serial: string): string {
  return `${url} ${serial}`;
}

/** A verdict worth keeping: a trusted answer with a nextUpdate still ahead. */
export function cacheable(verdict: SourceVerdict, now: Date): boolean {
  return (
    verdict.status !== 'unknown' &&
    verdict.source !== 'stapled' &&
    verdict.nextUpdate !== null &&
    Date.parse(verdict.nextUpdate) > now.getTime()
  );
}

/** Most entries the in-memory cache holds (oldest dropped first). */
const MEMORY_LIMIT = 10_000;

/** The cache of one process (`probe`, `inspect`). */
export class MemoryRevocationCache implements RevocationCache {
  readonly #entries = new Map<string, CachedVerdict>();

  async getVerdicts(keys: readonly { url: string; serial: string }[], now: Date): Promise<CachedVerdict[]> {
    return keys
      .map((k) => this.#entries.get(cacheKey(k.url, k.serial)))
      .filter((e): e is CachedVerdict => e !== undefined && Date.parse(e.expiresAt) > now.getTime());
  }

  async putVerdicts(entries: readonly CachedVerdict[]): Promise<void> {
    for (const entry of entries) {
      const key = cacheKey(entry.url, entry.serial);
      this.#entries.delete(key);
      if (this.#entries.size >= MEMORY_LIMIT) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(key, entry);
    }
  }
}
