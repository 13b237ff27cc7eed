/**
 * Faults of the in-process store engine (the embedded store calls dynalite directly: no network, no
 * SDK retry). A wrapper around its wire transport counts every store call and fails the armed one (or
 * every one from it on) before dynalite applied it, or after — the write done, its answer lost to the
 * cycle, as when LevelDB fails once the batch is written.
 */
import type { WireOperation, WireTransport } from '../../lambdas/store/wire-engine';
import type { FaultMode } from './fault-proxy';

/** The failures the wrapper can inject. */
export const ENGINE_FAULT_KINDS = ['fail-before-apply', 'fail-after-apply'] as const;
/** One of {@link ENGINE_FAULT_KINDS}. */
export type EngineFaultKind = (typeof ENGINE_FAULT_KINDS)[number];

/** A transport with faults, and what it saw. */
export interface EngineFaults {
  transport: WireTransport;
  /** Operations seen since the last `arm`, in call order (e.g. `PutItem`). */
  readonly seen: readonly WireOperation[];
  arm(plan: { index: number; kind: EngineFaultKind; mode: FaultMode } | null): void;
}

function injected(when: string): Error {
  const error = new Error(`the store failed ${when} (injected)`);
  error.name = 'InternalServerError';
  return error;
}

/** Wraps `inner` (the embedded store's transport). */
export function withEngineFaults(inner: WireTransport): EngineFaults {
  let plan: { index: number; kind: EngineFaultKind; mode: FaultMode } | null = null;
  let seen: WireOperation[] = [];
  return {
    get seen() {
      return seen;
    },
    arm(next) {
      plan = next;
      seen = [];
    },
    transport: {
      async send(operation, request) {
        const index = seen.length;
        seen.push(operation);
        const hit = plan && (index === plan.index || (plan.mode === 'persistent' && index > plan.index));
        if (hit && plan?.kind === 'fail-before-apply') throw injected('before applying the request');
        const answer = await inner.send(operation, request);
        if (hit) throw injected('after applying the request');
        return answer;
      },
    },
  };
}
