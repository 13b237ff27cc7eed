/**
 * Candidate certification paths from a leaf to a trust anchor, built from the presented certificates
 * in any order. Trust anchors are tried before presented certificates (as OpenSSL's trusted-first), so
 * a presented cross-certificate of a trusted root gives way to the root itself.
 */
import type { Certificate } from './certificate';
import type { TrustStore } from './trust-store';

/** Most certificates below the anchor in one path. */
export const MAX_PATH_CERTIFICATES = 10;
// Issuer look-ups per search: bounds the work on hostile chains (cycles, many same-named CAs).
const MAX_STEPS = 64;

/** A path: leaf first, then the intermediates; the anchor (not presented) comes last. */
export interface CandidatePath {
  certificates: Certificate[];
  anchor: Certificate;
}

/** What a search that found no (more) anchored paths learned, for the diagnosis. */
export interface DeadEnd {
  /** The longest path that reached no anchor, leaf first. */
  certificates: Certificate[];
  /** Certificates with the right name that were refused as issuers because their key identifier differs. */
  wrongKey: Certificate[];
  /** True when the search stopped at the depth or step limit rather than for want of an issuer. */
  truncated: boolean;
}

/** A search in progress: iterate `paths()`, then read `deadEnd`. */
export interface PathSearch {
  paths(): Generator<CandidatePath>;
  deadEnd: DeadEnd;
}

function keyIdsAgree(child: Certificate, issuer: Certificate): boolean {
  const aki = child.extensions.authorityKeyId;
  const ski = issuer.extensions.subjectKeyId;
  return aki === null || ski === null || aki === ski;
}

function validAt(cert: Certificate, at: Date): boolean {
  return cert.notBefore <= at && at <= cert.notAfter;
}

/** Best issuer first: one whose signature verifies, whose key id matches, valid at `at`. */
function rank(child: Certificate, issuers: Certificate[], at: Date): Certificate[] {
  const score = (issuer: Certificate) =>
    (child.isSignedBy(issuer) ? 0 : 4) +
    (child.extensions.authorityKeyId !== null && child.extensions.authorityKeyId === issuer.extensions.subjectKeyId
      ? 0
      : 2) +
    (validAt(issuer, at) ? 0 : 1);
  return issuers
    .map((issuer) => ({ issuer, score: score(issuer) }))
    .sort((a, b) => a.score - b.score)
    .map((s) => s.issuer);
}

/**
 * Searches paths from `leaf` through `presented` (untrusted, any order) to an anchor of `trust`.
 * Paths come lazily, most plausible first, so a valid chain costs one path.
 */
export function searchPaths(
  leaf: Certificate,
  presented: readonly Certificate[],
  trust: TrustStore,
  at: Date,
): PathSearch {
  const deadEnd: DeadEnd = { certificates: [leaf], wrongKey: [], truncated: false };
  let steps = 0;

  function noteDeadEnd(path: Certificate[], wrongKey: Certificate[]): void {
    if (path.length > deadEnd.certificates.length || (path.length === 1 && wrongKey.length > 0)) {
      deadEnd.certificates = path;
      deadEnd.wrongKey = wrongKey;
    }
  }

  function* extend(path: Certificate[]): Generator<CandidatePath> {
    const current = path[path.length - 1];
    if (++steps > MAX_STEPS) {
      deadEnd.truncated = true;
      return;
    }
    const named = trust.issuersOf(current);
    const anchors = named.filter((a) => keyIdsAgree(current, a));
    const wrongKey = named.filter((a) => !keyIdsAgree(current, a));
    for (const anchor of rank(current, anchors, at)) yield { certificates: path, anchor };
    const candidates: Certificate[] = [];
    for (const cert of presented) {
      if (cert.subjectKey !== current.issuerKey || path.includes(cert)) continue;
      if (keyIdsAgree(current, cert)) candidates.push(cert);
      else wrongKey.push(cert);
    }
    if (candidates.length > 0 && path.length >= MAX_PATH_CERTIFICATES) {
      deadEnd.truncated = true;
      return;
    }
    if (anchors.length === 0 && candidates.length === 0) noteDeadEnd(path, wrongKey);
    for (const issuer of rank(current, candidates, at)) yield* extend([...path, issuer]);
  }

  return { paths: () => extend([leaf]), deadEnd };
}
