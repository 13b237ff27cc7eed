/**
 * The verdict of a scanned CRL on each certificate asked about. A CRL counts only when signed by the
 * certificate's issuer (whose key usage allows cRLSign), current, complete (not delta, not indirect, no
 * critical extension left unprocessed) and in scope (crl-scope.ts); then a listed serial is `revoked`
 * and an unlisted one `good` — unless the CRL covers only some reasons, which leaves it `unknown`.
 */
import type { Certificate } from '../x509/certificate';
import { canonicalName, formatName } from '../x509/dn';
import {
  EXT_AUTHORITY_INFO_ACCESS,
  EXT_AUTHORITY_KEY_ID,
  EXT_CRL_NUMBER,
  EXT_DELTA_CRL_INDICATOR,
  EXT_EXPIRED_CERTS_ON_CRL,
  EXT_FRESHEST_CRL,
  EXT_ISSUER_ALT_NAME,
  EXT_ISSUING_DISTRIBUTION_POINT,
} from '../x509/oids';
import type { CrlScan } from './crl-scanner';
import { crlScope, type IssuingDistributionPoint, readIssuingDistributionPoint } from './crl-scope';
import { currency, type RevocationError, reasonName, type SourceVerdict } from './model';
import { ALL_REASONS, type DistributionPoint } from './sources';

/** keyUsage cRLSign (bit 6). */
const KU_CRL_SIGN = 1 << 6;

/** CRL extensions certwatch processes or may ignore; any other marked critical makes the CRL unusable. */
const KNOWN_CRL_EXTENSIONS = new Set([
  EXT_AUTHORITY_KEY_ID,
  EXT_ISSUER_ALT_NAME,
  EXT_CRL_NUMBER,
  EXT_ISSUING_DISTRIBUTION_POINT,
  EXT_FRESHEST_CRL,
  EXT_AUTHORITY_INFO_ACCESS,
  EXT_EXPIRED_CERTS_ON_CRL,
]);

/** One certificate asked about: the distribution point that named the CRL's URL. */
export interface CrlSubject {
  cert: Certificate;
  point: DistributionPoint;
}

/** What the verdict is made against. */
export interface CrlContext {
  url: string;
  issuer: Certificate;
  now: Date;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Reasons that apply to the whole CRL, whoever is asked about; null when it is usable. */
function wholeCrlProblem(scan: CrlScan, context: CrlContext): RevocationError | IssuingDistributionPoint | null {
  const issuer = context.issuer;
  if (canonicalName(scan.issuer) !== issuer.subjectKey) {
    return { code: 'OUT_OF_SCOPE', message: `the CRL is issued by ${safeName(scan.issuer)}, not by ${issuer.subject}` };
  }
  if (!scan.signature.ok) {
    return { code: scan.signature.unsupported ? 'UNSUPPORTED' : 'BAD_SIGNATURE', message: scan.signature.message };
  }
  const usage = issuer.extensions.keyUsage;
  if (usage !== null && (usage & KU_CRL_SIGN) === 0) {
    return { code: 'UNAUTHORIZED_SIGNER', message: `the issuer's key usage does not allow cRLSign` };
  }
  if (scan.nextUpdate === null) return { code: 'NOT_CURRENT', message: 'the CRL has no nextUpdate' };
  const stale = currency(scan.thisUpdate, scan.nextUpdate, context.now);
  if (stale) return { code: 'NOT_CURRENT', message: stale };
  let idp: IssuingDistributionPoint | null = null;
  for (const extension of scan.extensions) {
    if (extension.oid === EXT_DELTA_CRL_INDICATOR) {
      return { code: 'UNSUPPORTED', message: 'a delta CRL (deltaCRLIndicator): certwatch reads complete CRLs only' };
    }
    if (extension.oid === EXT_ISSUING_DISTRIBUTION_POINT) {
      try {
        idp = readIssuingDistributionPoint(extension.value);
      } catch (error) {
        return { code: 'MALFORMED', message: `malformed issuingDistributionPoint (${(error as Error).message})` };
      }
    } else if (extension.critical && !KNOWN_CRL_EXTENSIONS.has(extension.oid)) {
      return { code: 'UNSUPPORTED', message: `critical CRL extension ${extension.oid} is not processed` };
    }
  }
  if (scan.indirectEntries > 0) {
    return { code: 'UNSUPPORTED', message: 'an indirect CRL (entries name a certificateIssuer)' };
  }
  if (scan.unknownCriticalEntryExtensions.length > 0) {
    return {
      code: 'UNSUPPORTED',
      message: `critical entry extension ${scan.unknownCriticalEntryExtensions.join(', ')} is not processed`,
    };
  }
  return idp ?? null;
}

function safeName(der: Uint8Array): string {
  try {
    return formatName(der);
  } catch {
    return 'a malformed name';
  }
}

/** The verdict on each subject, in order (`scan.found` must be in the same order). */
export function judgeCrl(scan: CrlScan, subjects: readonly CrlSubject[], context: CrlContext): SourceVerdict[] {
  const times = { thisUpdate: iso(scan.thisUpdate), nextUpdate: iso(scan.nextUpdate) };
  const base = { source: 'crl' as const, url: context.url, ...times };
  const problem = wholeCrlProblem(scan, context);
  if (problem && 'code' in problem) {
    return subjects.map(() => ({ ...base, status: 'unknown', error: problem }));
  }
  const idp = problem;
  return subjects.map((subject, i): SourceVerdict => {
    if (subject.cert.issuerKey !== context.issuer.subjectKey) {
      return { ...base, status: 'unknown', error: { code: 'OUT_OF_SCOPE', message: 'issued by another CA' } };
    }
    const scope = crlScope(idp, subject.cert, subject.point);
    if (!scope.ok) return { ...base, status: 'unknown', error: scope.error };
    const entry = scan.found[i];
    if (entry) {
      const reason = reasonName(entry.reasonCode ?? 0);
      if (reason === null || reason === 'removeFromCRL') {
        const message = `the entry's reason code ${entry.reasonCode} has no place in a complete CRL`;
        return { ...base, status: 'unknown', error: { code: 'MALFORMED', message } };
      }
      return { ...base, status: 'revoked', revokedAt: new Date(entry.revokedAt).toISOString(), reason };
    }
    if ((scope.reasons & ALL_REASONS) !== ALL_REASONS) {
      const message = 'the CRL covers only some revocation reasons (onlySomeReasons): not listed is not enough';
      return { ...base, status: 'unknown', error: { code: 'UNSUPPORTED', message } };
    }
    return { ...base, status: 'good' };
  });
}
