/**
 * TLS posture enumeration of targets: every address of every target, enumerated in parallel within a
 * bound (each address on its own, see endpoint-enumeration.ts), then judged against the published
 * baseline and the rules.
 */
import { assemblePosture, type EnumerationFacts } from '../../core/posture/assemble';
import type { TlsBaseline } from '../../core/posture/compare';
import { POSTURE_DEFAULTS } from '../../core/posture/defaults';
import type { PolicyRule } from '../../core/posture/policy';
import { emptyVersions, type Posture, type PostureFailure } from '../../core/posture/posture';
import type { ProbeOptions } from '../../core/probe-options';
import type { Target } from '../../core/targets';
import { mapWithLimit, type ProgressObserver } from '../pool';
import { resolveTarget } from '../resolve';
import { enumerateEndpoint } from './endpoint-enumeration';

/** Posture-specific knobs; the rest comes from the shared probe options. */
export interface PostureProbeOptions {
  /** Most handshakes per address (default 60). Running out makes the entry incomplete (`BUDGET_EXHAUSTED`). */
  handshakeBudget?: number;
  /** Pause between two handshakes to the same address, in ms (default 25). */
  pauseMs?: number;
  /** Addresses enumerated at once (default 4, never more than the probe concurrency). */
  addressConcurrency?: number;
  /** Test suites this OpenSSL lacks with a hand-built ClientHello (default true). */
  rawHello?: boolean;
  /** Published list to compare with (default Google's). */
  baseline?: TlsBaseline;
  /** Rules to judge (`--require`). */
  rules?: readonly PolicyRule[];
}

export { POSTURE_DEFAULTS } from '../../core/posture/defaults';

/** A posture entry with what it cost. */
export interface PostureRun {
  posture: Posture;
  handshakes: number;
  durationMs: number;
}

/**
 * Enumerates every address of every target and judges each against the baseline and the rules.
 * `options` are the shared probe options: `resolve`, `servername`, `ehloName`, `port25Blocked`,
 * `concurrency`, and `timeoutMs`, which bounds each handshake. Never throws.
 */
export async function enumeratePostureDetailed(
  targets: readonly Target[],
  options: ProbeOptions,
  postureOptions: PostureProbeOptions = {},
  observer?: ProgressObserver,
): Promise<PostureRun[]> {
  const settings = { ...POSTURE_DEFAULTS, ...postureOptions };
  const resolved = await mapWithLimit(targets, options.concurrency, async (target) => ({
    target,
    resolution: await resolveTarget(
      target,
      options.resolve,
      options.timeoutMs,
      options.addressFamilies,
      options.dnsServers,
    ),
  }));
  const jobs = resolved.flatMap(
    ({ target, resolution }): { target: Target; address: string; failure?: PostureFailure }[] =>
      'error' in resolution
        ? [{ target, address: '', failure: { code: resolution.error.code, message: resolution.error.message } }]
        : resolution.addresses.map((address) => ({ target, address })),
  );
  const limit = Math.max(1, Math.min(settings.addressConcurrency, options.concurrency));
  const progress = observer && { observer, label: (job: (typeof jobs)[number]) => `${job.target.url} ${job.address}` };
  return mapWithLimit(
    jobs,
    limit,
    async ({ target, address, failure }) => {
      const base = { target: target.url, host: target.host, port: target.port, address };
      if (failure) {
        const facts: EnumerationFacts = { ...base, versions: emptyVersions(), untestable: [], error: failure };
        return { posture: assemblePosture(facts, settings.baseline, settings.rules), handshakes: 0, durationMs: 0 };
      }
      const enumeration = await enumerateEndpoint(
        { host: target.host, port: target.port, mode: target.mode, address },
        {
          timeoutMs: options.timeoutMs,
          servername: options.servername ?? target.host,
          ehloName: options.ehloName,
          port25Blocked: options.port25Blocked,
          handshakeBudget: settings.handshakeBudget,
          pauseMs: settings.pauseMs,
          rawHello: settings.rawHello,
        },
      );
      const facts: EnumerationFacts = {
        ...base,
        versions: enumeration.versions,
        untestable: enumeration.untestable,
        ...(enumeration.error ? { error: enumeration.error } : {}),
      };
      return {
        posture: assemblePosture(facts, settings.baseline, settings.rules),
        handshakes: enumeration.handshakes,
        durationMs: enumeration.durationMs,
      };
    },
    progress,
  );
}

/** {@link enumeratePostureDetailed} without the costs: the entries of `certwatch posture --json`. */
export async function enumeratePosture(
  targets: readonly Target[],
  options: ProbeOptions,
  postureOptions: PostureProbeOptions = {},
  observer?: ProgressObserver,
): Promise<Posture[]> {
  return (await enumeratePostureDetailed(targets, options, postureOptions, observer)).map((run) => run.posture);
}
