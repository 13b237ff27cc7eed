/**
 * Why a path does or does not validate, in certwatch's words. pkijs gives the verdict, but its reasons
 * are terse ("No valid certificate paths found"); these checks run first, from the anchor down (the
 * order OpenSSL reports in), and name the certificate at fault.
 */

import type { ValidationError, ValidationErrorCode } from '../observation';
import type { Certificate } from './certificate';
import { type NameCheckBudget, parseNameConstraints, violation, WorkLimitError } from './name-constraints';
import { EKU_SERVER_AUTH } from './oids';
import type { CandidatePath, DeadEnd } from './path-builder';
import { type ProfileRole, profileProblem } from './profile';

function problem(code: ValidationErrorCode, message: string): ValidationError {
  return { code, message };
}

const quote = (cert: Certificate) => `'${cert.subject}'`;

function roleOf(index: number): 'leaf' | 'intermediate' {
  return index === 0 ? 'leaf' : 'intermediate';
}

function checkDates(cert: Certificate, role: string, at: Date): ValidationError | null {
  if (at < cert.notBefore) {
    return problem('NOT_YET_VALID', `${role} ${quote(cert)} is not valid before ${cert.notBefore.toISOString()}`);
  }
  if (at > cert.notAfter) {
    const code = role === 'trust anchor' ? 'EXPIRED_ANCHOR' : 'EXPIRED';
    return problem(code, `${role} ${quote(cert)} expired on ${cert.notAfter.toISOString()}`);
  }
  return null;
}

/** CA duties of an issuing certificate; `below` = non-self-issued intermediates between it and the leaf. */
function checkIssuer(cert: Certificate, role: string, below: number): ValidationError | null {
  const constraints = cert.extensions.basicConstraints;
  let reason: string | null = null;
  if (cert.subject === '') reason = 'is a CA with an empty subject';
  else if (!constraints?.ca) reason = 'is not a CA (basicConstraints cA is not set)';
  else if (!cert.mayIssueCertificates) reason = 'has a key usage without keyCertSign';
  else if (constraints.pathLen !== null && below > constraints.pathLen) {
    reason = `allows ${constraints.pathLen} CA(s) below it, the path has ${below}`;
  }
  const name = cert.subject === '' ? `issued by '${cert.issuer}'` : quote(cert);
  return reason === null ? null : problem('INVALID_CHAIN', `${role} ${name} ${reason}`);
}

function checkProfile(cert: Certificate, role: string): ValidationError | null {
  const [first] = cert.extensions.problems;
  if (first) return problem('INVALID_CHAIN', `${role} ${quote(cert)}: ${first}`);
  if (cert.x509 === null) return problem('INVALID_CHAIN', `${role} ${quote(cert)} cannot be parsed by OpenSSL`);
  if (cert.issuer === '') return problem('INVALID_CHAIN', `${role} ${quote(cert)} has an empty issuer name`);
  return null;
}

function checkWebPki(cert: Certificate, role: ProfileRole, builtInAnchor = false): ValidationError | null {
  const reason = profileProblem(cert, role, builtInAnchor);
  return reason === null ? null : problem('PROFILE_VIOLATION', `${role} ${quote(cert)}: ${reason}`);
}

function checkPurpose(cert: Certificate, role: string): ValidationError | null {
  if (role === 'leaf' && cert.extensions.nameConstraints && !cert.isCa) {
    return problem('INVALID_CHAIN', `leaf ${quote(cert)} carries name constraints, which only CAs may`);
  }
  const usages = cert.extensions.extKeyUsage;
  if (usages !== null && !usages.includes(EKU_SERVER_AUTH)) {
    return problem(
      'INVALID_CHAIN',
      `${role} ${quote(cert)} is not valid for TLS server authentication (extendedKeyUsage)`,
    );
  }
  return null;
}

/** What a path is checked with besides itself. */
export interface DiagnosisContext {
  /** The validation time (whole seconds). */
  at: Date;
  /** Pays for name constraint comparisons (WORK_LIMIT once it is spent). */
  budget: NameCheckBudget;
  /** Whether the anchor comes from a built-in root program list (trusted as shipped, see profile.ts). */
  builtInAnchor: boolean;
}

/** The first reason `path` fails, from the anchor down; null when these checks pass. */
export function diagnosePath(path: CandidatePath, context: DiagnosisContext): ValidationError | null {
  const { at, budget } = context;
  const { certificates, anchor } = path;
  const issuing = (from: number) => certificates.slice(1, from).filter((c) => !c.isSelfIssued).length;
  const found =
    checkDates(anchor, 'trust anchor', at) ??
    checkProfile(anchor, 'trust anchor') ??
    checkIssuer(anchor, 'trust anchor', issuing(certificates.length)) ??
    checkWebPki(anchor, 'trust anchor', context.builtInAnchor);
  if (found) return found;
  for (let i = certificates.length - 1; i >= 0; i--) {
    const cert = certificates[i];
    const issuer = i === certificates.length - 1 ? anchor : certificates[i + 1];
    const role = roleOf(i);
    const error =
      checkProfile(cert, role) ??
      (cert.isSignedBy(issuer)
        ? null
        : problem(
            'BAD_SIGNATURE',
            `signature of ${role} ${quote(cert)} does not verify with the key of ${quote(issuer)}`,
          )) ??
      checkDates(cert, role, at) ??
      (i > 0 ? checkIssuer(cert, role, issuing(i)) : null) ??
      checkPurpose(cert, role) ??
      checkWebPki(cert, role);
    if (error) return error;
  }
  try {
    return checkNameConstraints(path, budget);
  } catch (error) {
    if (!(error instanceof WorkLimitError)) throw error;
    return problem('WORK_LIMIT', `${error.message} (path ${[...certificates, anchor].map(quote).join(' → ')})`);
  }
}

// Parsed constraints per CA certificate (instances are shared while cached): hostile ones are large.
const parsedConstraints = new WeakMap<Certificate, ReturnType<typeof parseNameConstraints> | Error>();

function constraintsOf(ca: Certificate, value: Uint8Array): ReturnType<typeof parseNameConstraints> {
  let parsed = parsedConstraints.get(ca);
  if (!parsed) {
    try {
      parsed = parseNameConstraints(value);
    } catch (error) {
      parsed = error as Error;
    }
    parsedConstraints.set(ca, parsed);
  }
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** Constraints of the anchor and of each intermediate over the certificates below it. */
function checkNameConstraints(path: CandidatePath, budget: NameCheckBudget): ValidationError | null {
  const { certificates, anchor } = path;
  const issuers = [...certificates.slice(1), anchor];
  for (const [k, ca] of issuers.entries()) {
    const value = ca.extensions.nameConstraints;
    if (!value) continue;
    const role = ca === anchor ? 'trust anchor' : 'intermediate';
    let subtrees: ReturnType<typeof parseNameConstraints>;
    try {
      subtrees = constraintsOf(ca, value);
    } catch (error) {
      return problem(
        'INVALID_CHAIN',
        `${role} ${quote(ca)} has malformed name constraints: ${(error as Error).message}`,
      );
    }
    for (let i = k; i >= 0; i--) {
      const cert = certificates[i];
      if (i > 0 && cert.isSelfIssued) continue;
      const reason = violation(subtrees, cert, budget);
      if (reason) {
        return problem(
          'INVALID_CHAIN',
          `${roleOf(i)} ${quote(cert)} breaks the name constraints of ${quote(ca)}: ${reason}`,
        );
      }
    }
  }
  return null;
}

/** Why no anchored path exists, from what the search saw. */
export function diagnoseDeadEnd(deadEnd: DeadEnd, trustLabel: string): ValidationError {
  const chain = deadEnd.certificates;
  const top = chain[chain.length - 1];
  const store = `the trust store '${trustLabel}'`;
  if (deadEnd.truncated) {
    return problem('INVALID_CHAIN', `no path from ${quote(chain[0])} to ${store} within the search limits`);
  }
  if (chain.length === 1 && top.selfSigned) {
    return problem('SELF_SIGNED_LEAF', `leaf ${quote(top)} is self-signed and not in ${store}`);
  }
  if (top.selfSigned) return problem('UNTRUSTED_ROOT', `root ${quote(top)} is not in ${store}`);
  const [wrong] = deadEnd.wrongKey;
  if (wrong) {
    return problem(
      'MISSING_INTERMEDIATE',
      `${roleOf(chain.length - 1)} ${quote(top)} was issued by a key that the available ${quote(wrong)} does not hold (authority key id ${top.extensions.authorityKeyId})`,
    );
  }
  if (chain.length === 1) {
    return problem(
      'MISSING_INTERMEDIATE',
      `issuer '${top.issuer}' of leaf ${quote(top)} was not presented and is not in ${store}`,
    );
  }
  return problem('UNTRUSTED_ROOT', `intermediate ${quote(top)} is issued by '${top.issuer}', which is not in ${store}`);
}
