/**
 * Which sources to ask about a certificate, and how their answers combine into its one status: any
 * trusted `revoked` wins; `good` needs a trusted `good` and no trusted `revoked`; anything else is
 * `unknown` with its reasons — never a revocation. A certificate that names no source is `none`.
 */
import type { Certificate } from '../x509/certificate';
import { type Revocation, type RevocationMethod, type SourceVerdict, unknownVerdict } from './model';
import { type DistributionPoint, namesAnySource, revocationSources } from './sources';

/** One CRL to read for a certificate: its URL and the distribution point that named it. */
export interface CrlCheck {
  url: string;
  point: DistributionPoint;
}

/** What to ask about one certificate. */
export interface CheckPlan {
  /** False: the certificate names no source at all (status `none`). */
  named: boolean;
  crl: CrlCheck[];
  /** The OCSP responder to ask (the first the certificate names), if OCSP is on. */
  ocsp: string | null;
  /** Sources named but not asked, already judged `unknown` (indirect CRLs, LDAP, a method switched off). */
  skipped: SourceVerdict[];
}

/**
 * Most CRL distribution points read for one certificate (real ones name one or two). A certificate may
 * name hundreds; each fetch holds a slot until it ends, so one such certificate whose sources hang would
 * take the batch's whole revocation time from every other target's fetches.
 */
export const MAX_CRL_POINTS = 4;

/** The checks for `cert` with the methods switched on. */
export function planChecks(cert: Certificate, methods: readonly RevocationMethod[]): CheckPlan {
  const sources = revocationSources(cert);
  const plan: CheckPlan = {
    named: namesAnySource(sources) || sources.problems.length > 0,
    crl: [],
    ocsp: null,
    skipped: [],
  };
  for (const problem of sources.problems) plan.skipped.push(unknownVerdict('crl', null, 'MALFORMED', problem));
  const crlOn = methods.includes('crl');
  let skippedPoints = 0;
  const ocspOn = methods.includes('ocsp');
  for (const point of sources.crl) {
    if (point.indirect) {
      const message = 'the distribution point names a cRLIssuer (indirect CRL)';
      plan.skipped.push(unknownVerdict('crl', point.urls[0] ?? null, 'UNSUPPORTED', message));
    } else if (point.urls.length > 0 && crlOn) {
      if (plan.crl.length < MAX_CRL_POINTS) plan.crl.push({ url: point.urls[0], point });
      else skippedPoints++;
    }
  }
  if (skippedPoints > 0) {
    const message = `${skippedPoints} more CRL distribution points not read (certwatch reads the first ${MAX_CRL_POINTS})`;
    plan.skipped.push(unknownVerdict('crl', null, 'UNSUPPORTED', message));
  }
  if (ocspOn && sources.ocsp.length > 0) plan.ocsp = sources.ocsp[0];
  if (plan.named && plan.crl.length === 0 && plan.ocsp === null && plan.skipped.length === 0) {
    const named = [
      ...(sources.crl.some((p) => p.urls.length > 0) ? ['a CRL'] : []),
      ...(sources.ocsp.length > 0 ? ['an OCSP responder'] : []),
      ...sources.unusable,
    ];
    const asked = methods.length > 0 ? methods.join(',') : 'off';
    // Only sources no setting would fetch (LDAP, …): naming --revocation would suggest it could help.
    const message =
      named.length === sources.unusable.length
        ? `the certificate names only sources certwatch does not fetch (HTTP and HTTPS only): ${named.join(', ')}`
        : `the certificate names ${named.join(', ')}; --revocation ${asked} asks none of them`;
    plan.skipped.push(unknownVerdict('crl', null, 'NO_USABLE_SOURCE', message));
  }
  return plan;
}

const PREFERENCE = { stapled: 0, ocsp: 1, crl: 2 } as const;

/** Combines every verdict on one certificate (`named`: whether it names any source). */
export function combineVerdicts(verdicts: readonly SourceVerdict[], named: boolean): Revocation {
  const ordered = [...verdicts].sort((a, b) => PREFERENCE[a.source] - PREFERENCE[b.source]);
  const revoked = ordered.find((v) => v.status === 'revoked');
  if (revoked) return strip(revoked);
  const good = ordered.find((v) => v.status === 'good');
  if (good) return strip(good);
  if (ordered.length === 0) {
    return named
      ? {
          status: 'unknown',
          source: null,
          url: null,
          thisUpdate: null,
          nextUpdate: null,
          error: { code: 'NO_USABLE_SOURCE', message: 'no source was asked' },
        }
      : { status: 'none', source: null, url: null, thisUpdate: null, nextUpdate: null };
  }
  const [first] = ordered;
  const message = ordered
    .map((v) => `${v.source}${v.url ? ` ${v.url}` : ''}: ${v.error?.message ?? v.status}`)
    .join('; ');
  return {
    ...strip(first),
    status: 'unknown',
    error: { code: first.error?.code ?? 'NO_USABLE_SOURCE', message },
  };
}

function strip(verdict: SourceVerdict): Revocation {
  const { status, source, url, thisUpdate, nextUpdate, revokedAt, reason, error } = verdict;
  return {
    status,
    source,
    url,
    thisUpdate,
    nextUpdate,
    ...(revokedAt !== undefined ? { revokedAt } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
