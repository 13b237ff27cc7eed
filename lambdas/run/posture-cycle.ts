/**
 * One posture cycle (the slower, daily schedule): enumerate TLS versions and suites of every target
 * address → compare with the last complete posture → record notices in the outbox → keep the new
 * postures → publish. Same exactly-once rules as the certificate cycle: notices are recorded before
 * the postures that make them "known", and published after.
 */

import { randomUUID } from 'node:crypto';
import { CLAIM_LEASE_MS } from '../core/budgets';
import { detectPostureChanges } from '../core/detect/posture';
import type { Notice } from '../core/notice';
import type { HistoryStore, NoticePublisher } from '../core/ports';
import type { Posture } from '../core/posture/posture';
import type { ProbeOptions } from '../core/probe-options';
import type { Target } from '../core/targets';
import { enumeratePosture, type PostureProbeOptions } from '../probe/posture/enumerate';
import { drainOutbox } from './outbox';

/** The adapters a posture cycle runs on; `enumerate` is the real enumerator unless a caller swaps it. */
export interface PostureCycleDeps {
  store: HistoryStore;
  publisher: NoticePublisher;
  enumerate?: (targets: readonly Target[], options: ProbeOptions, posture: PostureProbeOptions) => Promise<Posture[]>;
}

/** What a posture cycle is asked to do. */
export interface PostureCycleInput {
  targets: readonly Target[];
  probeOptions: ProbeOptions;
  postureOptions?: PostureProbeOptions;
  now: Date;
  cycleId?: string;
  claimLeaseMs?: number;
  /** A shard of a fanned-out posture run: nothing is published here (the merge step drains the outbox). */
  shard?: boolean;
}

/** What a posture cycle returns. */
export interface PostureCycleResult {
  postures: Posture[];
  notices: Notice[];
  published: Notice[];
  /** Addresses whose enumeration did not complete (nothing is compared or kept for them). */
  incomplete: number;
  publishFailures: Array<{ dedupeKey: string; message: string }>;
}

/** Runs one posture cycle. Store failures throw (the next cycle redoes the work); probes never do. */
export async function runPostureCycle(deps: PostureCycleDeps, input: PostureCycleInput): Promise<PostureCycleResult> {
  const { store, publisher } = deps;
  const enumerate = deps.enumerate ?? enumeratePosture;
  const drain = (attempted: Set<string>) =>
    drainOutbox({
      store,
      publisher,
      claimant: input.cycleId ?? randomUUID(),
      now: input.now,
      leaseMs: input.claimLeaseMs ?? CLAIM_LEASE_MS,
      attempted,
    });
  const attempted = new Set<string>();
  const none = { published: [] as Notice[], failures: [] as Array<{ dedupeKey: string; message: string }> };
  const earlier = input.shard ? none : await drain(attempted);

  const postureOptions = input.postureOptions ?? {};
  const postures = await enumerate(input.targets, input.probeOptions, postureOptions);
  const notices: Notice[] = [];
  for (const target of input.targets) {
    const current = postures.filter((p) => p.target === target.url);
    const detection = detectPostureChanges({
      target: target.url,
      host: target.host,
      previous: await store.loadPostures(target.url),
      current,
      rules: postureOptions.rules ?? [],
      now: input.now,
    });
    await store.recordNotices(detection.notices, input.now);
    if (detection.dirty) await store.savePostures(target.url, detection.next, input.now);
    notices.push(...detection.notices);
  }

  const later = input.shard ? none : await drain(attempted);
  return {
    postures,
    notices,
    published: [...earlier.published, ...later.published],
    incomplete: postures.filter((p) => !p.ok).length,
    publishFailures: [...earlier.failures, ...later.failures],
  };
}
