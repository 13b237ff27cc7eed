/**
 * Path validation of a presented chain at an explicit time, plus the RFC 6125 host name check.
 *
 * Paths are built here (any order, extra certificates, roots included, cross-signed roots replaced by
 * the trusted root they stand for), checked here for a precise reason, and the verdict on the chosen
 * path is pkijs's `CertificateChainValidationEngine` (given the leaf last and only that path's anchor).
 */
import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { ipVersion } from '../ip';
import type { Validation, ValidationError } from '../observation';
import type { Certificate } from './certificate';
import { NameCheckBudget } from './name-constraints';
import { type CandidatePath, searchPaths } from './path-builder';
import { diagnoseDeadEnd, diagnosePath } from './path-diagnosis';
import type { TrustStore } from './trust-store';

/** Inputs of {@link validateChain}. */
export interface ValidateOptions {
  trust: TrustStore;
  /** The instant to validate for (certwatch always passes one). */
  at: Date;
  /** The name the client expects; omitted = no host name check (`hostnameMatch: null`). */
  servername?: string;
  /** The work this validation may do; default a fresh budget of MAX_NAME_CONSTRAINT_CHECKS. */
  budget?: NameCheckBudget;
}

/** Outcome of {@link validateChain}. */
export interface ChainVerdict {
  validation: Validation;
  /** Whether the leaf matches `servername` (RFC 6125); null without a servername or a leaf. */
  hostnameMatch: boolean | null;
}

let cryptoEngine: pkijs.CryptoEngine | undefined;

/**
 * Largest certificate whose path is handed to pkijs: its ASN.1 parse grows faster than the size
 * (about 0.1 s at 24 KB, 1 s at 55 KB). Real certificates are under 8 KB; a path with a larger one is
 * refused as WORK_LIMIT rather than parsed.
 */
export const MAX_VERIFIED_CERTIFICATE_BYTES = 16 * 1024;

// pkijs's verdict depends on the time only through validity dates, which diagnosePath has already
// checked at `at`; so a path pkijs accepted once is accepted again. Cycles repeat the same few paths.
const ACCEPTED_LIMIT = 1024;
const accepted = new Set<string>();

// A probe run validates its chains concurrently (200 endpoints serving one chain start 200 validations
// before the first ends): they share the one pkijs run in flight instead of each starting their own.
const inFlight = new Map<string, Promise<string | null>>();

async function pkijsVerdict(path: CandidatePath, at: Date): Promise<string | null> {
  const key = `${path.anchor.sha256}<${path.certificates.map((c) => c.sha256).join('<')}`;
  if (accepted.has(key)) return null;
  let verdict = inFlight.get(key);
  if (!verdict) {
    verdict = runPkijs(path, at, key).finally(() => inFlight.delete(key));
    inFlight.set(key, verdict);
  }
  return verdict;
}

async function runPkijs(path: CandidatePath, at: Date, key: string): Promise<string | null> {
  cryptoEngine ??= new pkijs.CryptoEngine({
    name: 'node',
    crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'],
  });
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: [path.anchor.pkijs],
    certs: path.certificates.map((c) => c.pkijs).reverse(),
    checkDate: at,
  });
  const result = await engine.verify({}, cryptoEngine);
  if (!result.result) return result.resultMessage || `pkijs result code ${result.resultCode}`;
  if (accepted.size >= ACCEPTED_LIMIT) accepted.clear();
  accepted.add(key);
  return null;
}

function describe(path: CandidatePath): string {
  return [...path.certificates, path.anchor].map((c) => `'${c.subject}'`).join(' → ');
}

function verdictFor(
  chain: readonly Certificate[],
  path: CandidatePath | null,
  at: string,
  error?: ValidationError,
): Validation {
  if (!path) return { trusted: false, path: [], anchor: null, anchorSha256: null, crossSigned: false, at, error };
  const { anchor } = path;
  const crossSigned = chain.some(
    (c) => c.sha256 !== anchor.sha256 && !c.isSelfIssued && !path.certificates.includes(c) && c.isEquivalentTo(anchor),
  );
  const shas = path.certificates.map((c) => c.sha256);
  if (shas[shas.length - 1] !== anchor.sha256) shas.push(anchor.sha256);
  return {
    trusted: error === undefined,
    path: shas,
    anchor: anchor.subject,
    anchorSha256: anchor.sha256,
    crossSigned,
    at,
    ...(error ? { error } : {}),
  };
}

async function decide(
  chain: readonly Certificate[],
  trust: TrustStore,
  at: Date,
  atIso: string,
  budget: NameCheckBudget,
): Promise<Validation> {
  if (chain.length === 0)
    return verdictFor(chain, null, atIso, { code: 'INVALID_CHAIN', message: 'no certificate was presented' });
  const leaf = chain[0];
  // A trusted leaf is its own anchor (a pinned self-signed certificate, `--ca server.pem`).
  const pinned = trust.find(leaf);
  if (pinned) {
    const path: CandidatePath = { certificates: [leaf], anchor: pinned };
    const late = at > leaf.notAfter;
    const early = at < leaf.notBefore;
    const error: ValidationError | undefined =
      late || early
        ? {
            code: late ? 'EXPIRED' : 'NOT_YET_VALID',
            message: `trusted leaf '${leaf.subject}' is ${late ? `expired since ${leaf.notAfter.toISOString()}` : `not valid before ${leaf.notBefore.toISOString()}`}`,
          }
        : undefined;
    return verdictFor(chain, path, atIso, error);
  }
  const seen = new Set([leaf.sha256]);
  const presented = chain.slice(1).filter((c) => !seen.has(c.sha256) && seen.add(c.sha256) && !trust.has(c.sha256));
  const search = searchPaths(leaf, presented, trust, at);
  let firstFailure: { path: CandidatePath; error: ValidationError } | undefined;
  for (const path of search.paths()) {
    let error = diagnosePath(path, { at, budget, builtInAnchor: trust.isBuiltIn(path.anchor.sha256) });
    // Out of work: other paths would only spend more, and the verdict must not hang on them.
    if (error?.code === 'WORK_LIMIT') return verdictFor(chain, path, atIso, error);
    const oversized = [...path.certificates, path.anchor].find((c) => c.der.length > MAX_VERIFIED_CERTIFICATE_BYTES);
    if (!error && oversized) {
      error = {
        code: 'WORK_LIMIT',
        message: `certificate '${oversized.subject}' of ${oversized.der.length} bytes is over the ${MAX_VERIFIED_CERTIFICATE_BYTES} bytes validation parses`,
      };
    }
    if (!error) {
      const refusal = await pkijsVerdict(path, at);
      if (refusal === null) return verdictFor(chain, path, atIso);
      error = { code: 'INVALID_CHAIN', message: `pkijs refused the path ${describe(path)}: ${refusal}` };
    }
    firstFailure ??= { path, error };
  }
  if (firstFailure) return verdictFor(chain, firstFailure.path, atIso, firstFailure.error);
  return verdictFor(chain, null, atIso, diagnoseDeadEnd(search.deadEnd, trust.label));
}

/** RFC 6125 host (or IP address) match of the leaf, as modern TLS clients do it. */
export function matchesServername(leaf: Certificate, servername: string): boolean {
  const x509 = leaf.x509;
  if (!x509) return false;
  let name = servername.trim();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (ipVersion(name)) return x509.checkIP(name) !== undefined;
  name = name.replace(/\.$/, '');
  // No common-name fallback and no partial wildcards (`f*.example.com`): CA/Browser Forum rules,
  // which is what browsers and current TLS libraries enforce.
  return x509.checkHost(name, { subject: 'never', partialWildcards: false }) !== undefined;
}

/**
 * Validates a chain exactly as presented (leaf first; roots, extra certificates and any order
 * tolerated) against `trust` at `at`. Never throws: every failure is reported in the result.
 */
export async function validateChain(chain: readonly Certificate[], options: ValidateOptions): Promise<ChainVerdict> {
  const { trust, at, servername } = options;
  const validTime = at instanceof Date && !Number.isNaN(at.getTime());
  const atIso = validTime ? at.toISOString() : String(at);
  // Certificate times have whole seconds: compare at the second `at` falls in (limbo's notafter-fractional).
  const atSecond = validTime ? new Date(Math.floor(at.getTime() / 1000) * 1000) : at;
  let hostnameMatch: boolean | null = null;
  if (chain.length > 0 && servername) {
    try {
      hostnameMatch = matchesServername(chain[0], servername);
    } catch {
      hostnameMatch = false;
    }
  }
  let validation: Validation;
  try {
    validation = validTime
      ? await decide(chain, trust, atSecond, atIso, options.budget ?? new NameCheckBudget())
      : verdictFor(chain, null, atIso, { code: 'INVALID_CHAIN', message: `invalid validation time ${atIso}` });
  } catch (error) {
    const message = `validation could not complete: ${(error as Error)?.message ?? String(error)}`;
    validation = verdictFor(chain, null, atIso, { code: 'INVALID_CHAIN', message });
  }
  return { validation, hostnameMatch };
}
