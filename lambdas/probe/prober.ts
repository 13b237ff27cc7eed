import { createHash } from 'node:crypto';
import { certificateLinkKey } from '../core/ct/tbs';
import { samplesFor } from '../core/detect/sampling';
import type { KeyType, Observation } from '../core/observation';
import { evaluateConsumerPolicy } from '../core/policy/evaluate';
import { NO_LOOKUPS, type PolicyLookups } from '../core/policy/model';
import type { Prober } from '../core/ports';
import type { ProbeOptions } from '../core/probe-options';
import { MemoryRevocationCache, type RevocationCache } from '../core/revocation/cache';
import type { Target } from '../core/targets';
import { parseChain } from '../core/x509/certificate';
import type { TrustStore } from '../core/x509/trust-store';
import { validateChain } from '../core/x509/validation';
import { publishedAnchor } from '../trust/published-anchor';
import { trustStoreNamed } from '../trust/trust-stores';
import { ProbeError } from './errors';
import { defaultLookupDeps, gatherPolicyLookups, type LookupDeps } from './policy-lookups';
import { mapWithLimit, type ProgressObserver } from './pool';
import { type Endpoint, probeEndpoint, type RawProbe } from './probe-endpoint';
import { resolveTarget } from './resolve';
import { type HelloRefusal, HelloRefusedError } from './tls-handshake';

/** An observation with the DER of the chain it describes. */
export interface DetailedObservation {
  observation: Observation;
  chainDer: Buffer[];
}

interface Job {
  target: Target;
  endpoint: Endpoint;
  keyType: KeyType;
  /** 0 for the first handshake of this address × key type, then 1, 2… (sampling). */
  sample: number;
}

/**
 * The real prober: resolves every target, probes each address for each key type with bounded
 * concurrency, reads the presented chains with pkijs and validates them. One bad target never
 * affects the others: each failure becomes that observation's `error`.
 */
export class SmtpProber implements Prober {
  /**
   * @param lookupDeps how the consumer policy's DNS and MTA-STS lookups are made (default: the probes' resolvers).
   * @param observer told of each probe as it starts and ends (the CLI's progress line).
   * @param revocationCache where revocation verdicts are kept between fetches (default: this prober's memory).
   */
  constructor(
    private readonly lookupDeps?: (options: ProbeOptions) => LookupDeps,
    private readonly observer?: ProgressObserver,
    private readonly revocationCache: RevocationCache = new MemoryRevocationCache(),
  ) {}

  /** Trust stores by anchor set: indexing Node's roots plus extras costs milliseconds, once. */
  private readonly trustStores = new Map<string, TrustStore>();

  async probe(targets: readonly Target[], options: ProbeOptions): Promise<Observation[]> {
    return (await this.probeDetailed(targets, options)).map((d) => d.observation);
  }

  private trustFor(options: ProbeOptions): TrustStore {
    const extra = options.extraAnchorsDer ?? [];
    const key = [options.trust ?? 'node', ...extra.map((der) => createHash('sha256').update(der).digest('hex'))].join();
    let store = this.trustStores.get(key);
    if (!store) {
      const base = trustStoreNamed(options.trust ?? 'node');
      store = extra.length > 0 ? base.withExtra(extra.map((der) => Buffer.from(der))) : base;
      this.trustStores.set(key, store);
    }
    return store;
  }

  /** Like `probe`, keeping each presented chain's DER beside its observation (for `--pem`). */
  async probeDetailed(targets: readonly Target[], options: ProbeOptions): Promise<DetailedObservation[]> {
    // Policy lookups run while the probes do; the chains are judged once both are in.
    const lookups: Promise<PolicyLookups> = options.policy
      ? gatherPolicyLookups(options.policy, targets, (this.lookupDeps ?? defaultLookupDeps)(options))
      : Promise.resolve(NO_LOOKUPS);
    const resolutions = await mapWithLimit(targets, options.concurrency, (target) =>
      resolveTarget(target, options.resolve, options.timeoutMs, options.addressFamilies, options.dnsServers),
    );
    const jobs: Job[] = [];
    const unresolved: DetailedObservation[] = [];
    targets.forEach((target, index) => {
      const resolution = resolutions[index];
      if ('error' in resolution) {
        for (const keyType of options.keyTypes) {
          unresolved.push({ observation: failed(target, '', keyType, resolution.error), chainDer: [] });
        }
        return;
      }
      for (const address of resolution.addresses) {
        for (const keyType of options.keyTypes) {
          const samples = samplesFor(options.samplePlan?.[target.url], keyType, address);
          for (let sample = 0; sample < samples; sample++) {
            jobs.push({
              target,
              keyType,
              sample,
              endpoint: { host: target.host, port: target.port, mode: target.mode, address },
            });
          }
        }
      }
    });
    const probing = mapWithLimit(
      jobs,
      options.concurrency,
      (job) =>
        probeEndpoint(job.endpoint, {
          keyType: job.keyType,
          timeoutMs: options.timeoutMs,
          servername: options.servername,
          ehloName: options.ehloName,
          port25Blocked: options.port25Blocked,
          requestOCSP: options.revocation !== undefined,
        }),
      this.observer && {
        observer: this.observer,
        label: (job) => `${job.target.url} ${job.endpoint.address} ${job.keyType}`,
      },
    );
    // The trust set (indexing Node's roots, parsing --ca) is built while the first probes wait on the
    // network rather than before they start: a one-endpoint run ends that much sooner. An error in it
    // still fails the run, once the probes under way are over.
    let trust: TrustStore | undefined;
    let trustError: unknown;
    try {
      trust = this.trustFor(options);
    } catch (error) {
      trustError = error;
    }
    const raws = await probing;
    if (!trust) throw trustError;
    classifyMissingKeyTypes(jobs, raws);
    const built = await Promise.all(
      foldSamples(jobs, raws).map(async ({ index, samples }) => {
        const observation = await toObservation(jobs[index], raws[index], trust, options, lookups);
        if (samples > 1) observation.samples = samples;
        return { observation, chainDer: raws[index].chainDer };
      }),
    );
    if (options.revocation) await this.addRevocation(built, raws, trust, options);
    const order = byTargetOrder(targets);
    return [...built, ...unresolved].sort((a, b) => order(a.observation, b.observation));
  }

  /** Sets `revocation` on every chain entry (docs/revocation.md); the checker loads only when it is on. */
  private async addRevocation(
    built: readonly DetailedObservation[],
    raws: readonly RawProbe[],
    trust: TrustStore,
    options: ProbeOptions,
  ): Promise<void> {
    const revocation = options.revocation;
    if (!revocation) return;
    const [{ checkRevocation }, { anchorsPem }] = await Promise.all([
      import('./revocation-checker.js'),
      import('./policy-lookups.js'),
    ]);
    const checked = built.flatMap((detail, i) => {
      const parsed = detail.observation.chain.length > 0 ? parseChain(detail.chainDer) : null;
      if (!parsed?.ok) return [];
      const stapled = raws[i].ocspStaple;
      const chain = { certificates: parsed.certificates, path: detail.observation.validation?.path ?? [], stapled };
      return [{ observation: detail.observation, chain }];
    });
    let ca: string[] | undefined;
    const verdicts = await checkRevocation(
      checked.map((c) => c.chain),
      {
        methods: revocation.methods,
        maxCrlBytes: revocation.maxCrlBytes,
        timeoutMs: options.timeoutMs,
        deadline: options.deadline,
        concurrency: options.concurrency,
        dnsServers: options.dnsServers,
        resolve: options.resolve,
        addressFamilies: options.addressFamilies,
        get ca() {
          ca ??= anchorsPem(options);
          return ca;
        },
      },
      { cache: this.revocationCache, trust },
      options.validationTime ?? new Date(),
    );
    checked.forEach(({ observation }, i) => {
      observation.chain.forEach((cert, j) => {
        cert.revocation = verdicts[i][j];
      });
    });
  }
}

/**
 * The handshakes of one address × key type (sampling) folded into one observation per presented chain,
 * counting the handshakes that presented it; failed handshakes count only when none presented a chain
 * (then the first failure stands for them).
 */
function foldSamples(jobs: readonly Job[], raws: readonly RawProbe[]): Array<{ index: number; samples: number }> {
  const groups = new Map<string, { index: number; samples: number; failed: boolean }>();
  const slots = new Map<string, boolean>();
  jobs.forEach((job, i) => {
    const slot = `${job.target.url} ${job.endpoint.address} ${job.keyType}`;
    const ok = raws[i].error === undefined && raws[i].chainDer.length > 0;
    slots.set(slot, (slots.get(slot) ?? false) || ok);
    const chain = ok ? raws[i].chainDer.map((der) => createHash('sha256').update(der).digest('hex')).join() : 'failed';
    const key = `${slot} ${chain}`;
    const group = groups.get(key);
    if (group) group.samples += 1;
    else groups.set(key, { index: i, samples: 1, failed: !ok });
  });
  return [...groups.entries()]
    .filter(([key, g]) => !g.failed || !slots.get(key.slice(0, key.lastIndexOf(' '))))
    .map(([, g]) => ({ index: g.index, samples: g.failed ? 1 : g.samples }));
}

/**
 * A server that holds no certificate of the asked key type refuses the ClientHello (alert 40, or a hang-up
 * before any TLS reply: see HelloRefusedError); when the other key type succeeded on the same address,
 * that is what it means, and it is not a failure of the target.
 */
function classifyMissingKeyTypes(jobs: readonly Job[], raws: RawProbe[]): void {
  jobs.forEach((job, i) => {
    const error = raws[i].error;
    if (!(error instanceof HelloRefusedError)) return;
    const siblingAnswered = jobs.some(
      (other, j) =>
        j !== i &&
        other.target.url === job.target.url &&
        other.endpoint.address === job.endpoint.address &&
        raws[j].tls.protocol !== null,
    );
    const asked = job.keyType.toUpperCase();
    raws[i].error = siblingAnswered
      ? new ProbeError(
          'KEY_TYPE_UNAVAILABLE',
          `no ${asked} certificate on this server (it refused the ${asked} handshake: ${describeRefusal(error.refusal)})`,
          { cause: error },
        )
      : new ProbeError(
          'TLS_HANDSHAKE_FAILED',
          `${error.message}; the server may hold no ${job.keyType.toUpperCase()} certificate`,
          { cause: error },
        );
  });
}

function describeRefusal(refusal: HelloRefusal): string {
  if (refusal === 'alert 40') return 'alert 40 handshake_failure';
  return refusal === 'close' ? 'closed the connection' : 'reset the connection';
}

async function toObservation(
  job: Job,
  raw: RawProbe,
  trust: TrustStore,
  options: ProbeOptions,
  lookups: Promise<PolicyLookups>,
): Promise<Observation> {
  const observedAt = new Date();
  const observation: Observation = {
    target: job.target.url,
    host: job.target.host,
    port: job.target.port,
    mode: job.target.mode,
    address: job.endpoint.address,
    keyType: job.keyType,
    ok: raw.error === undefined,
    smtp: raw.smtp,
    tls: raw.tls,
    chain: [],
    validation: null,
    hostnameMatch: null,
    observedAt: observedAt.toISOString(),
    durationMs: raw.durationMs,
  };
  if (raw.error) observation.error = { code: raw.error.code, message: raw.error.message };
  if (raw.chainDer.length === 0) return observation;
  const parsed = parseChain(raw.chainDer);
  if (!parsed.ok) {
    observation.ok = false;
    observation.error = { code: 'CHAIN_UNPARSEABLE', message: parsed.error.message };
    return observation;
  }
  observation.chain = await Promise.all(parsed.certificates.map((c) => c.toModel()));
  if (options.ctLinkKeys) {
    try {
      observation.chain[0] = { ...observation.chain[0], ctLinkKey: certificateLinkKey(raw.chainDer[0]) };
    } catch {
      // A leaf whose TBS does not re-encode has no link key: it links to no logged certificate.
    }
  }
  const { validation, hostnameMatch } = await validateChain(parsed.certificates, {
    trust,
    at: options.validationTime ?? observedAt,
    servername: options.servername ?? job.target.host,
  });
  observation.validation = validation;
  observation.hostnameMatch = hostnameMatch;
  if (options.policy) {
    const verdict = await evaluateConsumerPolicy({
      set: options.policy,
      subject: {
        target: job.target.url,
        host: job.target.host,
        port: job.target.port,
        servername: options.servername,
        validation,
        hostnameMatch,
      },
      chain: parsed.certificates,
      now: options.validationTime ?? observedAt,
      lookups: await lookups,
      anchorSource: publishedAnchor,
    });
    if (verdict) observation.consumerPolicy = verdict;
  }
  return observation;
}

function failed(target: Target, address: string, keyType: KeyType, error: ProbeError): Observation {
  return {
    target: target.url,
    host: target.host,
    port: target.port,
    mode: target.mode,
    address,
    keyType,
    ok: false,
    error: { code: error.code, message: error.message },
    smtp: { banner: null, ehlo: [], starttls: false },
    tls: { protocol: null, cipher: null },
    chain: [],
    validation: null,
    hostnameMatch: null,
    observedAt: new Date().toISOString(),
    durationMs: 0,
  };
}

function byTargetOrder(targets: readonly Target[]) {
  const order = new Map(targets.map((t, i) => [t.url, i]));
  return (a: Observation, b: Observation) =>
    (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0) ||
    a.address.localeCompare(b.address, 'en', { numeric: true }) ||
    a.keyType.localeCompare(b.keyType);
}
