/**
 * The histories a watch cycle reads, sized to what detection needs (docs/history-table.md "The live view"):
 * before the probe each target's `STATE` with its live view (one small query, the whole history when the
 * view does not go with the state); after the probe the whole history of each target that served a
 * certificate its view does not hold (a new one, or a retired one back). A bad stored item stops its own
 * target only: it is left out and reported, the others are watched as usual.
 */
import type { TargetHistory } from '../core/history';
import type { Observation } from '../core/observation';
import type { TargetStore } from '../core/ports';
import { mapWithLimit } from '../probe/pool';
import { StoreError } from '../store/errors';

/** A target left out of the cycle because one of its stored items does not read. */
export interface BadItemProblem {
  target: string;
  message: string;
  badItem: true;
}

/** The histories one cycle read, by target URL, and the targets whose history did not read. */
export class HistoryReads {
  readonly loaded = new Map<string, TargetHistory>();
  readonly badItems: BadItemProblem[] = [];

  constructor(
    private readonly store: Pick<TargetStore, 'loadTarget'>,
    private readonly limit: number,
  ) {}

  /** Reads every target's state and live view (the whole history where the view cannot stand for it). */
  async beforeProbe(urls: readonly string[]): Promise<void> {
    await mapWithLimit(urls, this.limit, (url) => this.load(url, true));
  }

  /** Reads the whole history of each target read through its view that served a certificate it does not hold. */
  async afterProbe(observations: readonly Observation[]): Promise<void> {
    const outside = new Set<string>();
    for (const o of observations) {
      const history = this.loaded.get(o.target);
      if (history?.view?.from !== 'view' || outside.has(o.target)) continue;
      if (o.chain.some((cert) => !history.certs.some((c) => c.sha256 === cert.sha256))) outside.add(o.target);
    }
    await mapWithLimit([...outside], this.limit, (url) => this.load(url, false));
  }

  private async load(url: string, live: boolean): Promise<void> {
    try {
      this.loaded.set(url, await this.store.loadTarget(url, { live }));
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'ITEM_INVALID')) throw error;
      this.loaded.delete(url);
      this.badItems.push({ target: url, message: error.message, badItem: true });
    }
  }
}
