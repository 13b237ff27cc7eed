/**
 * The store's live view, kept beside histories folded in memory (the detection tests' Watcher, the rollout
 * simulator): which records the view holds after each save, whether a cycle would read through it (the
 * view holds every certificate served), and a check that detection then decides on the view's records
 * exactly as on the whole history. Both are read as the store reads them: records in fingerprint order.
 * See lambdas/core/detect/live-records.ts and docs/history-table.md "The live view".
 */
import { isDeepStrictEqual } from 'node:util';
import type { detectCycle } from '../../lambdas/core/detect';
import { historySummary, liveRecords } from '../../lambdas/core/detect/live-records';
import type { CertRecord, HistorySummary, TargetHistory } from '../../lambdas/core/history';
import type { Observation } from '../../lambdas/core/observation';

type Detection = ReturnType<typeof detectCycle>;

const byFingerprint = (certs: readonly CertRecord[]) => [...certs].sort((a, b) => a.sha256.localeCompare(b.sha256));

/** The live views of several targets' histories. */
export class LiveViews {
  /**
   * Per target: the view's records and summary, and the history object they go with (one replaced by a
   * test: none).
   */
  private readonly views = new Map<
    string,
    { records: CertRecord[]; summary: HistorySummary; history: TargetHistory }
  >();
  /** Cycles read through a view, and of those, how many with a view smaller than the whole history. */
  readonly counts = { viewed: 0, smaller: 0 };

  /**
   * Runs `detect` on the whole histories and, when some target would be read through its view, again on
   * the histories as the store reads them; throws when the two decide differently. Returns the whole run's
   * detection and the targets read through a view.
   */
  detect(
    histories: ReadonlyMap<string, TargetHistory>,
    observations: readonly Observation[],
    detect: (histories: Map<string, TargetHistory>) => Detection,
    label: string,
  ): { result: Detection; viewed: Set<string> } {
    const result = detect(new Map(histories));
    const viewed = new Set<string>();
    const whole = new Map<string, TargetHistory>();
    const read = new Map<string, TargetHistory>();
    for (const [url, history] of histories) {
      const view = this.readable(url, history, observations);
      whole.set(url, { state: history.state, certs: byFingerprint(history.certs) });
      read.set(
        url,
        view
          ? { state: history.state, certs: byFingerprint(view.records), summary: view.summary }
          : { state: history.state, certs: byFingerprint(history.certs) },
      );
      if (!view) continue;
      viewed.add(url);
      this.counts.viewed += 1;
      if (view.records.length < history.certs.length) this.counts.smaller += 1;
    }
    if (viewed.size > 0) {
      const decided = (d: Detection) => ({ notices: d.notices, targets: d.targets });
      const onWhole = detect(whole);
      const onView = detect(read);
      if (!isDeepStrictEqual(decided(onView), decided(onWhole))) {
        const keys = (d: Detection) => d.notices.map((n) => n.dedupeKey).join(' ');
        throw new Error(
          `${label}: detection on the live view of ${[...viewed].join(', ')} differs from detection on the whole ` +
            `history: notices [${keys(onView)}] vs [${keys(onWhole)}]`,
        );
      }
    }
    return { result, viewed };
  }

  /**
   * After a save, as the store does it: a cycle read the whole way writes the view from the whole history;
   * one read through the view writes it from the view's records, when a record changed or the live set
   * shrank (a retired leaf nothing refers to any more), keeping the summary it was read with.
   */
  saved(url: string, history: TargetHistory, changedCerts: number, viewed: boolean): void {
    const before = this.views.get(url);
    if (before && viewed) {
      const held = new Set(before.records.map((r) => r.sha256));
      const records = liveRecords(
        history.state,
        history.certs.filter((c) => held.has(c.sha256)),
      );
      const rewrite = changedCerts > 0 || records.length < before.records.length;
      this.views.set(url, { records: rewrite ? records : before.records, summary: before.summary, history });
      return;
    }
    this.views.set(url, {
      records: liveRecords(history.state, history.certs),
      summary: historySummary(history.certs),
      history,
    });
  }

  /** The view when the store would read through it: it holds every certificate served. */
  private readable(url: string, history: TargetHistory, observations: readonly Observation[]) {
    const view = this.views.get(url);
    if (!view || view.history !== history) return null;
    if (history.state?.legacyEvidence || history.state?.legacyMissing) return null;
    const held = new Set(view.records.map((c) => c.sha256));
    const served = observations.filter((o) => o.target === url).flatMap((o) => o.chain.map((c) => c.sha256));
    return served.every((sha) => held.has(sha)) ? view : null;
  }
}
