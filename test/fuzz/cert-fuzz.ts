/**
 * The certificate campaign: mutated chains through the probe's own path — `parseChain`, `toModel`,
 * `validateChain` — each of which must end in a Cert (with a verdict) or in CHAIN_UNPARSEABLE.
 * Anything thrown, any broken model, an input slower than its time bound or a process over its memory
 * bound is a finding. Input i of seed S is a pure function of (S, i): `replayCertInput` rebuilds it.
 */
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type { Cert, Validation, ValidationErrorCode } from '../../lambdas/core/observation';
import { parseChain } from '../../lambdas/core/x509/certificate';
import type { TrustStore } from '../../lambdas/core/x509/trust-store';
import { validateChain } from '../../lambdas/core/x509/validation';
import { nodeTrustStore } from '../../lambdas/trust/trust-stores';
import { fuzzRootDer, loadSeeds, type Seed, signTbs } from './cert-seeds';
import { mutateDer } from './der-mutators';
import { parseDer } from './der-tree';
import { Rng } from './prng';

/** One fuzz input: a presented chain and how it is judged. */
export interface CertInput {
  id: string;
  seedName: string;
  steps: string[];
  chain: Buffer[];
  at: Date;
  servername: string;
}

/** How one input ended. */
export type CertOutcome =
  | { kind: 'cert'; trusted: boolean; validationError?: string; modelBytes: number }
  | { kind: 'unparseable'; index: number }
  | { kind: 'crash'; message: string };

/** An input that broke a rule, with everything needed to keep it as a fixture. */
export interface CertFinding {
  id: string;
  rule: 'crash' | 'slow' | 'memory' | 'hang';
  message: string;
  seedName: string;
  steps: string[];
  at: string;
  servername: string;
  chainBase64: string[];
}

/** Options of a campaign. */
export interface CertCampaignOptions {
  seed: number;
  count: number;
  /** First input index (a guarded run restarts after a hang). */
  start?: number;
  /** Per-input bound (ms): slower inputs are findings. */
  timeBoundMs?: number;
  /** Bound (MiB) on this isolate's heap, checked after every input; the campaign stops when it is passed. */
  memoryBoundMb?: number;
  onInput?(index: number): void;
}

/** What a campaign found. */
export interface CertCampaignResult {
  seed: number;
  inputs: number;
  certs: number;
  unparseable: number;
  trusted: number;
  findings: CertFinding[];
  /** Per first mutator: inputs and how many still parsed into a Cert. */
  byMutator: Record<string, { inputs: number; certs: number }>;
  slowestMs: number;
  largestModelRatio: number;
  peakHeapMb: number;
  durationMs: number;
  /** Index of the last input run (a guarded run resumes after it). */
  lastIndex: number;
}

const SEEDS = loadSeeds();
const SIGNABLE = SEEDS.filter((s) => s.issuerKeys);
const CHAIN_STEPS = ['reverse', 'duplicate', 'drop', 'seventeen', 'empty', 'foreign', 'garbage'] as const;

function chainMutation(rng: Rng, chain: Buffer[], other: Seed): { chain: Buffer[]; step: string } {
  const step = rng.pick(CHAIN_STEPS);
  switch (step) {
    case 'reverse':
      return { chain: [...chain].reverse(), step };
    case 'duplicate':
      return { chain: [...chain, ...chain, chain[0]], step };
    case 'drop':
      return { chain: chain.length > 1 ? chain.slice(0, -1) : chain, step };
    case 'seventeen':
      return { chain: Array.from({ length: rng.pick([16, 17]) }, (_, i) => chain[i % chain.length]), step };
    case 'empty':
      return { chain: [], step };
    case 'foreign':
      return { chain: rng.shuffle([...chain, ...other.chain]), step };
    default:
      return { chain: [...chain, rng.bytes(rng.int(100))], step };
  }
}

/** Builds input `index` of campaign `seed` (pure). */
export function replayCertInput(seed: number, index: number): CertInput {
  const rng = Rng.for(seed, 'cert', index);
  // A third of the inputs start from the generated chains: only they can be signed again.
  const base = rng.chance(0.33) ? rng.pick(SIGNABLE) : rng.pick(SEEDS);
  let chain = [...base.chain];
  const steps: string[] = [];
  const donors = [rng.pick(SEEDS), rng.pick(SEEDS)]
    .flatMap((s) => s.chain)
    .map((der) => parseDer(der))
    .filter((d) => d !== null);
  const mode = rng.weighted([
    ['mutate', 70],
    ['resign', base.issuerKeys ? 60 : 0],
    ['chain', 8],
  ] as const);
  if (mode === 'chain') {
    const mutated = chainMutation(rng, chain, rng.pick(SEEDS));
    chain = mutated.chain;
    steps.push(`chain:${mutated.step}`);
  } else if (chain.length > 0) {
    const target = rng.chance(0.6) ? 0 : rng.int(chain.length);
    const key = base.issuerKeys?.[target];
    if (mode === 'resign' && key) {
      const mutation = mutateDer(rng, chain[target], { donors }, { tbsOnly: true });
      chain[target] = signTbs(mutation.bytes, key);
      steps.push(...mutation.steps.map((s) => `resigned:${s}`));
    } else {
      const mutation = mutateDer(rng, chain[target], { donors });
      chain[target] = mutation.bytes;
      steps.push(...mutation.steps);
    }
    if (rng.chance(0.05)) {
      const mutated = chainMutation(rng, chain, rng.pick(SEEDS));
      chain = mutated.chain;
      steps.push(`chain:${mutated.step}`);
    }
  }
  return { id: `${seed}:${index}`, seedName: base.name, steps, chain, at: base.at, servername: base.servername };
}

const HEX64 = /^[0-9a-f]{64}$/;
// A record, so that a code added to the contract must be added here too (the compiler says so).
const VALIDATION_CODES: ReadonlySet<string> = new Set(
  Object.keys({
    UNTRUSTED_ROOT: true,
    EXPIRED_ANCHOR: true,
    EXPIRED: true,
    NOT_YET_VALID: true,
    BAD_SIGNATURE: true,
    MISSING_INTERMEDIATE: true,
    SELF_SIGNED_LEAF: true,
    INVALID_CHAIN: true,
    PROFILE_VIOLATION: true,
    WORK_LIMIT: true,
  } satisfies Record<ValidationErrorCode, true>),
);

function modelProblem(model: Cert): string | null {
  if (!HEX64.test(model.sha256) || !/^[0-9a-f]{40}$/.test(model.sha1)) return 'bad fingerprint';
  for (const field of ['spkiSha256', 'subject', 'issuer', 'serial', 'keyAlgorithm', 'signatureAlgorithm'] as const) {
    if (typeof model[field] !== 'string') return `${field} is not a string`;
  }
  for (const field of ['notBefore', 'notAfter'] as const) {
    if (Number.isNaN(Date.parse(model[field])) || new Date(model[field]).toISOString() !== model[field]) {
      return `${field} is not ISO 8601`;
    }
  }
  if (!Array.isArray(model.sans) || model.sans.some((s) => typeof s !== 'string')) return 'sans is not a string list';
  if (typeof model.selfSigned !== 'boolean') return 'selfSigned is not a boolean';
  return null;
}

function validationProblem(validation: Validation, at: Date): string | null {
  if (typeof validation.trusted !== 'boolean') return 'trusted is not a boolean';
  if (validation.at !== at.toISOString()) return 'verdict time differs from the time asked';
  if (!validation.path.every((p) => HEX64.test(p))) return 'path holds a non-fingerprint';
  if (validation.trusted === (validation.error !== undefined)) return 'trusted and error disagree';
  if (validation.error && !VALIDATION_CODES.has(validation.error.code)) return `unknown code ${validation.error.code}`;
  return null;
}

/** Runs one input through parse → model → validate; never throws. */
export async function checkCertInput(input: CertInput, trust: TrustStore): Promise<CertOutcome> {
  try {
    const parsed = parseChain(input.chain);
    if (!parsed.ok) {
      if (parsed.error.code !== 'CHAIN_UNPARSEABLE' || typeof parsed.error.message !== 'string') {
        return { kind: 'crash', message: `parseChain gave ${JSON.stringify(parsed.error)}` };
      }
      return { kind: 'unparseable', index: parsed.error.index };
    }
    const models = parsed.certificates.map((c) => c.toModel());
    for (const model of models) {
      const problem = modelProblem(model);
      if (problem) return { kind: 'crash', message: `model: ${problem}` };
    }
    const verdict = await validateChain(parsed.certificates, {
      trust,
      at: input.at,
      servername: input.servername,
    });
    const problem = validationProblem(verdict.validation, input.at);
    if (problem) return { kind: 'crash', message: `validation: ${problem}` };
    const modelBytes = Buffer.byteLength(JSON.stringify({ chain: models, ...verdict }));
    return {
      kind: 'cert',
      trusted: verdict.validation.trusted,
      validationError: verdict.validation.error?.code,
      modelBytes,
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: 'crash', message: message.slice(0, 500) };
  } finally {
    // Node's checkHost can leave an OpenSSL error queued (docs/reliability.md, known limits) that fails
    // the next PEM key parse in this process — another test file's, under jest. randomBytes clears it.
    randomBytes(1);
  }
}

/** The trust every campaign judges with: Node's roots plus the generated fuzz root. */
export function campaignTrust(): TrustStore {
  return nodeTrustStore().withExtra([fuzzRootDer()]);
}

/** Turns an input into a finding record (base64 chain, for fixtures). */
export function certFinding(input: CertInput, rule: CertFinding['rule'], message: string): CertFinding {
  return {
    id: input.id,
    rule,
    message,
    seedName: input.seedName,
    steps: input.steps,
    at: input.at.toISOString(),
    servername: input.servername,
    chainBase64: input.chain.map((d) => d.toString('base64')),
  };
}

/** A campaign result with nothing counted yet. */
export function emptyCertResult(seed: number): CertCampaignResult {
  return {
    seed,
    inputs: 0,
    certs: 0,
    unparseable: 0,
    trusted: 0,
    findings: [],
    byMutator: {},
    slowestMs: 0,
    largestModelRatio: 0,
    peakHeapMb: 0,
    durationMs: 0,
    lastIndex: -1,
  };
}

/** Runs inputs `start` to `count - 1` of campaign `seed`, in process. */
export async function runCertCampaign(options: CertCampaignOptions): Promise<CertCampaignResult> {
  const started = performance.now();
  const timeBound = options.timeBoundMs ?? 2000;
  const memoryBound = options.memoryBoundMb ?? 1024;
  const trust = campaignTrust();
  const result = emptyCertResult(options.seed);
  for (let index = options.start ?? 0; index < options.count; index++) {
    options.onInput?.(index);
    result.lastIndex = index;
    const input = replayCertInput(options.seed, index);
    const t0 = performance.now();
    const outcome = await checkCertInput(input, trust);
    const elapsed = performance.now() - t0;
    result.inputs += 1;
    result.slowestMs = Math.max(result.slowestMs, elapsed);
    const first = input.steps[0] ?? 'none';
    result.byMutator[first] ??= { inputs: 0, certs: 0 };
    const stats = result.byMutator[first];
    stats.inputs += 1;
    if (outcome.kind === 'cert') {
      result.certs += 1;
      stats.certs += 1;
      if (outcome.trusted) result.trusted += 1;
      const derBytes = input.chain.reduce((n, d) => n + d.length, 0);
      if (derBytes > 0) result.largestModelRatio = Math.max(result.largestModelRatio, outcome.modelBytes / derBytes);
    } else if (outcome.kind === 'unparseable') {
      result.unparseable += 1;
    } else {
      result.findings.push(certFinding(input, 'crash', outcome.message));
    }
    if (elapsed > timeBound) result.findings.push(certFinding(input, 'slow', `took ${Math.round(elapsed)} ms`));
    const heapMb = getHeapStatistics().used_heap_size / 1048576;
    result.peakHeapMb = Math.max(result.peakHeapMb, heapMb);
    if (heapMb > memoryBound) {
      const message = `heap ${Math.round(heapMb)} MiB after ${result.inputs} inputs (bound ${memoryBound} MiB)`;
      result.findings.push(certFinding(input, 'memory', message));
      break;
    }
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
