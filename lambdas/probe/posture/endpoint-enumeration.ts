/**
 * The enumeration of one address: which versions (TLS 1.0–1.3) and which suites per version it accepts.
 *
 * - TLS 1.0–1.2, by elimination: offer every candidate, record the suite the server chose, drop it,
 *   offer the rest, until the server refuses. One handshake per accepted suite, plus one.
 * - TLS 1.3: one handshake offering all five suites (is the version accepted at all?), then each
 *   remaining suite alone, since a TLS 1.3 server may well pick from its own list regardless.
 * - Suites Node's OpenSSL cannot offer (3DES, RC4, …) go through a hand-built ClientHello at TLS ≤ 1.2.
 *
 * Handshakes run one at a time with a pause between them and within a budget. Success means the
 * server sent a ServerHello choosing the suite.
 */
import type { CipherSuite } from '../../core/posture/cipher-suites';
import {
  emptyVersions,
  type PostureFailure,
  TLS_VERSIONS,
  type TlsVersion,
  type UntestableSuite,
  type VersionPosture,
} from '../../core/posture/posture';
import type { Endpoint } from '../probe-endpoint';
import { type AttemptOutcome, type AttemptSettings, attemptHandshake, type HelloBuilder } from './handshake-attempt';
import { planVersion } from './suite-plan';

/** Settings of one address's enumeration. */
export interface EndpointEnumerationSettings extends AttemptSettings {
  handshakeBudget: number;
  pauseMs: number;
  rawHello: boolean;
}

/** What one address gave, with the cost. */
export interface EndpointEnumeration {
  versions: Record<TlsVersion, VersionPosture>;
  untestable: UntestableSuite[];
  /** Set when the enumeration did not finish; what was found until then is kept. */
  error?: PostureFailure;
  handshakes: number;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Handshakes to one address: sequential, paused, counted against the budget. */
class HandshakeSession {
  count = 0;
  /** Attempts the server answered in TLS (a ServerHello or an alert), as opposed to hanging up. */
  answered = 0;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly settings: EndpointEnumerationSettings,
  ) {}

  async offer(
    version: TlsVersion,
    suites: readonly CipherSuite[],
    builder: HelloBuilder,
  ): Promise<AttemptOutcome | { kind: 'budget' }> {
    let outcome = await this.once(version, suites, builder);
    // A hang-up without a word may be the network: ask once more before calling it a refusal.
    if (outcome.kind === 'refused' && outcome.silent) outcome = await this.once(version, suites, builder);
    if (outcome.kind === 'chosen' || (outcome.kind === 'refused' && !outcome.silent)) this.answered++;
    return outcome;
  }

  private async once(version: TlsVersion, suites: readonly CipherSuite[], builder: HelloBuilder) {
    if (this.count >= this.settings.handshakeBudget) return { kind: 'budget' } as const;
    if (this.count > 0 && this.settings.pauseMs > 0) await sleep(this.settings.pauseMs);
    this.count++;
    return attemptHandshake(this.endpoint, { version, suites, builder }, this.settings);
  }
}

/** Turns an outcome that ends the enumeration into its failure; undefined for chosen/refused. */
function stopReason(
  outcome: AttemptOutcome | { kind: 'budget' },
  version: TlsVersion,
  budget: number,
): PostureFailure | undefined {
  switch (outcome.kind) {
    case 'failed':
      return { code: outcome.error.code, message: outcome.error.message };
    case 'violation':
      return { code: 'POSTURE_INCONSISTENT', message: `at ${version}: ${outcome.reason}` };
    case 'budget':
      return {
        code: 'BUDGET_EXHAUSTED',
        message: `the budget of ${budget} handshakes ran out while testing ${version}: the result is incomplete`,
      };
    default:
      return undefined;
  }
}

type Step = { error?: PostureFailure; versionRefused?: boolean };

/** TLS ≤ 1.2: offer all, record the choice, drop it, repeat until refused. */
async function eliminate(
  session: HandshakeSession,
  settings: EndpointEnumerationSettings,
  version: TlsVersion,
  candidates: readonly CipherSuite[],
  builder: HelloBuilder,
  found: VersionPosture,
  untestable: UntestableSuite[],
): Promise<Step> {
  let remaining = [...candidates];
  let first = true;
  while (remaining.length > 0) {
    const outcome = await session.offer(version, remaining, builder);
    const error = stopReason(outcome, version, settings.handshakeBudget);
    if (error) return { error };
    if (outcome.kind === 'cannot-offer') {
      const reason = `this Node/OpenSSL build cannot offer it at ${version} (${outcome.reason})`;
      untestable.push(...remaining.map((s) => ({ version, suite: s.iana, reason })));
      return {};
    }
    if (outcome.kind === 'refused') return { versionRefused: first && outcome.versionRefused };
    if (outcome.kind !== 'chosen') return {};
    found.accepted = true;
    found.suites.push(outcome.suite.iana);
    remaining = remaining.filter((s) => s.code !== outcome.suite.code);
    first = false;
  }
  return {};
}

/** TLS 1.3: is the version accepted at all? Then each other suite on its own. */
async function oneAtATime(
  session: HandshakeSession,
  settings: EndpointEnumerationSettings,
  version: TlsVersion,
  candidates: readonly CipherSuite[],
  found: VersionPosture,
  untestable: UntestableSuite[],
): Promise<Step> {
  if (candidates.length === 0) return {};
  const probe = await offerOnce(session, settings, version, candidates, untestable);
  if (probe.error || !probe.chosen) return probe;
  found.accepted = true;
  found.suites.push(probe.chosen.iana);
  for (const suite of candidates) {
    if (suite.code === probe.chosen.code) continue;
    const single = await offerOnce(session, settings, version, [suite], untestable);
    if (single.error) return single;
    if (single.chosen) found.suites.push(single.chosen.iana);
  }
  return {};
}

/** One offer, no elimination: the chosen suite, if any. */
async function offerOnce(
  session: HandshakeSession,
  settings: EndpointEnumerationSettings,
  version: TlsVersion,
  suites: readonly CipherSuite[],
  untestable: UntestableSuite[],
): Promise<Step & { chosen?: CipherSuite }> {
  const outcome = await session.offer(version, suites, 'node');
  const error = stopReason(outcome, version, settings.handshakeBudget);
  if (error) return { error };
  if (outcome.kind === 'cannot-offer') {
    const reason = `this Node/OpenSSL build cannot offer it at ${version} (${outcome.reason})`;
    untestable.push(...suites.map((s) => ({ version, suite: s.iana, reason })));
  }
  return outcome.kind === 'chosen' ? { chosen: outcome.suite } : {};
}

/**
 * Enumerates one address. Never throws; stops at the first failure (connection, timeout, budget,
 * protocol violation) and reports it in `error` with what was found until then.
 */
export async function enumerateEndpoint(
  endpoint: Endpoint,
  settings: EndpointEnumerationSettings,
): Promise<EndpointEnumeration> {
  const started = performance.now();
  const versions = emptyVersions();
  const untestable: UntestableSuite[] = [];
  const session = new HandshakeSession(endpoint, settings);
  let error: PostureFailure | undefined;
  for (const version of TLS_VERSIONS) {
    const plan = planVersion(version, settings.rawHello);
    untestable.push(...plan.untestable);
    if (error) continue;
    const found = versions[version];
    if (version === 'TLSv1.3') {
      error = (await oneAtATime(session, settings, version, plan.node, found, untestable)).error;
      continue;
    }
    const step = await eliminate(session, settings, version, plan.node, 'node', found, untestable);
    error = step.error;
    // A refusal of the version itself also covers the suites only the raw hello can offer.
    if (!error && !step.versionRefused && plan.raw.length > 0) {
      error = (await eliminate(session, settings, version, plan.raw, 'raw', found, untestable)).error;
    }
  }
  if (!error && session.count > 0 && session.answered === 0) {
    // Hanging up on every hello says nothing about suites: it must not read as "accepts nothing".
    error = { code: 'TLS_HANDSHAKE_FAILED', message: 'the server hung up on every ClientHello without a TLS answer' };
  }
  return {
    versions,
    untestable,
    ...(error ? { error } : {}),
    handshakes: session.count,
    durationMs: Math.round(performance.now() - started),
  };
}
