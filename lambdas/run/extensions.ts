/**
 * The run's extension points (docs/architecture.md "The run"): what a feature hands the run to take part
 * in it without touching its steps. Each point is optional; a run with no extension is the plain watch.
 *
 * - `beforeProbe` (a): a step before any probe, with its own time budget (e.g. Certificate Transparency
 *   log tailing). It records its notices through the store's outbox like every step.
 * - `enrich` (b): after probing, before detection: add facts to the observations (e.g. the revocation
 *   status of each chain certificate).
 * - `probeOptions` / `extraHandshakesPerAddress` (c): more handshakes per address. (Rollout sampling is
 *   the cycle's own: it reads each target's plan from its history and adds that target's term to its
 *   worst case while probing, docs/rollouts.md "Sampling".)
 * - `worstCaseMsPerTarget` (d): the extension's term of a target's worst-case time, so that a shard
 *   started only with what it can finish stays within its invocation.
 * - `amendNotices` (e): after detection, before the notices are recorded: add facts to detected notices
 *   (e.g. when a new leaf was logged in Certificate Transparency). Dedupe keys must not change.
 */
import type { Notice } from '../core/notice';
import type { Observation } from '../core/observation';
import type { HistoryStore } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import type { Target } from '../core/targets';

/** What a pre-probe step is given. */
export interface PreProbeInput {
  store: HistoryStore;
  /** This run's targets (after `mx:` expansion) and its options. */
  targets: readonly Target[];
  probeOptions: ProbeOptions;
  now: Date;
  /** Epoch milliseconds by which the step must have returned (its budget, within the invocation's). */
  deadline: number;
}

/** What a pre-probe step returns: notices it recorded in the outbox (for reports), and a line for the logs. */
export interface PreProbeResult {
  notices: readonly Notice[];
  summary?: string;
}

/** What an enrichment is given beside the observations. */
export interface EnrichInput {
  store: HistoryStore;
  probeOptions: ProbeOptions;
  now: Date;
  /** Epoch milliseconds by which enrichment must be over (within the invocation's reserve). */
  deadline: number;
}

/** What a notice amendment is given beside the notices. */
export interface AmendInput {
  store: HistoryStore;
  /** This cycle's observations (the notices were detected from them). */
  observations: readonly Observation[];
  now: Date;
}

/** One feature's part in the run. */
export interface RunExtension {
  /** Names the extension in logs and errors. */
  name: string;
  /** (a) Runs before probing, given `budgetMs` of the invocation (cut to what is left). */
  beforeProbe?: {
    budgetMs: number;
    run(input: PreProbeInput): Promise<PreProbeResult>;
  };
  /** (b) Adds facts to the observations before detection; returns them (same order and count). */
  enrich?(observations: Observation[], input: EnrichInput): Promise<Observation[]>;
  /** (c) Adjusts the probe options (e.g. asks the prober for sampling handshakes). */
  probeOptions?(options: ProbeOptions): ProbeOptions;
  /** (c) Extra handshakes the prober makes per address and key type (each may take a probe timeout). */
  extraHandshakesPerAddress?: number;
  /** (d) Further slot-milliseconds one target may cost at worst (fetches, log reads), done `concurrency` at a time. */
  worstCaseMsPerTarget?(options: ProbeOptions): number;
  /** (e) Amends detected notices (same order, same dedupe keys) before they are recorded. */
  amendNotices?(notices: Notice[], input: AmendInput): Promise<Notice[]>;
}
