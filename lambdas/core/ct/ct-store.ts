/**
 * The port the CT step stores through (docs/ct.md "Table items"): per-log state, issued certificates and
 * the cached log list, as items of the history table. Writes that can race are conditional on the
 * revision read; a refused write is `false` (another run wrote first), never an exception.
 */
import type { IssuedCert } from './issued';
import type { CtLogState } from './log-state';

/** The log list as last fetched from a URL and verified. */
export interface CtListCache {
  url: string;
  /** The list's bytes as fetched (UTF-8 JSON). */
  json: string;
  /** Base64 detached signature, or null when none was published. */
  signature: string | null;
  fetchedAt: string;
}

/** CT items of the history table. */
export interface CtStore {
  /** Every followed log's state. */
  loadCtLogStates(): Promise<CtLogState[]>;
  /** Writes a log's state if its revision is still `state.rev` (0 = absent); false when another run wrote first. */
  saveCtLogState(state: CtLogState): Promise<boolean>;
  /** Every issued certificate recorded. */
  loadIssued(): Promise<IssuedCert[]>;
  /** Writes a record if its revision is still `record.rev`; false when another run wrote first. */
  saveIssued(record: IssuedCert): Promise<boolean>;
  loadCtListCache(): Promise<CtListCache | null>;
  saveCtListCache(cache: CtListCache): Promise<void>;
}

/** A CtStore in memory (tests, and runs with no table). */
export class MemoryCtStore implements CtStore {
  readonly logs = new Map<string, CtLogState>();
  readonly issued = new Map<string, IssuedCert>();
  list: CtListCache | null = null;

  async loadCtLogStates() {
    return [...this.logs.values()].map((s) => structuredClone(s));
  }

  async saveCtLogState(state: CtLogState) {
    if ((this.logs.get(state.logId)?.rev ?? 0) !== state.rev) return false;
    this.logs.set(state.logId, structuredClone({ ...state, rev: state.rev + 1 }));
    return true;
  }

  async loadIssued() {
    return [...this.issued.values()].map((r) => structuredClone(r));
  }

  async saveIssued(record: IssuedCert) {
    if ((this.issued.get(record.linkKey)?.rev ?? 0) !== record.rev) return false;
    this.issued.set(record.linkKey, structuredClone({ ...record, rev: record.rev + 1 }));
    return true;
  }

  async loadCtListCache() {
    return this.list ? { ...this.list } : null;
  }

  async saveCtListCache(cache: CtListCache) {
    this.list = { ...cache };
  }
}
