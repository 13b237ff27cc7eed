/**
 * Whether a CRL covers a certificate (RFC 5280 §6.3.3 (b), (d)): its issuingDistributionPoint against
 * the distribution point the certificate named. A CRL without one covers everything its issuer issued.
 */
import type { Certificate } from '../x509/certificate';
import { children, content, DerError, readTlv, TAG_SEQUENCE } from '../x509/der';
import { canonicalName } from '../x509/dn';
import type { RevocationError } from './model';
import {
  ALL_REASONS,
  type DistributionPoint,
  type DistributionPointName,
  distributionPointName,
  type NameEntry,
  reasonMask,
} from './sources';

/** issuingDistributionPoint (RFC 5280 §5.2.5). */
export interface IssuingDistributionPoint {
  name: DistributionPointName;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  /** Reason mask, null when the CRL covers every reason. */
  onlySomeReasons: number | null;
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
}

function flag(value: Uint8Array, tlv: { contentStart: number; end: number }): boolean {
  if (tlv.end - tlv.contentStart !== 1) throw new DerError('BOOLEAN: expected one octet');
  return value[tlv.contentStart] !== 0;
}

/** Decodes the extension's value. Throws DerError when malformed. */
export function readIssuingDistributionPoint(value: Uint8Array): IssuingDistributionPoint {
  const sequence = readTlv(value, 0);
  if (sequence.tag !== TAG_SEQUENCE || sequence.end !== value.length) throw new DerError('expected one SEQUENCE');
  const idp: IssuingDistributionPoint = {
    name: { kind: 'absent' },
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: null,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  for (const field of children(value, sequence)) {
    switch (field.tag) {
      case 0xa0:
        idp.name = distributionPointName(value, field);
        break;
      case 0x81:
        idp.onlyContainsUserCerts = flag(value, field);
        break;
      case 0x82:
        idp.onlyContainsCACerts = flag(value, field);
        break;
      case 0x83:
        idp.onlySomeReasons = reasonMask(content(value, field));
        break;
      case 0x84:
        idp.indirectCRL = flag(value, field);
        break;
      case 0x85:
        idp.onlyContainsAttributeCerts = flag(value, field);
        break;
      default:
        throw new DerError(`unexpected tag 0x${field.tag.toString(16)}`);
    }
  }
  return idp;
}

const DIRECTORY_NAME = 0xa4;

function sameName(a: NameEntry, b: NameEntry): boolean {
  if (a.tag !== b.tag) return false;
  if (a.tag === DIRECTORY_NAME) {
    try {
      return canonicalName(a.value) === canonicalName(b.value);
    } catch {
      return false;
    }
  }
  return Buffer.from(a.value).equals(Buffer.from(b.value));
}

function describe(name: DistributionPointName): string {
  if (name.kind === 'absent') return '(no name)';
  if (name.kind === 'relative') return '(a name relative to the CRL issuer)';
  return name.names
    .map((n) => (n.tag === 0x86 ? String.fromCharCode(...n.value) : `name tag 0x${n.tag.toString(16)}`))
    .join(', ');
}

function namesMatch(crl: DistributionPointName, cert: DistributionPointName): boolean {
  if (crl.kind === 'full' && cert.kind === 'full') return crl.names.some((a) => cert.names.some((b) => sameName(a, b)));
  if (crl.kind === 'relative' && cert.kind === 'relative') return Buffer.from(crl.rdn).equals(Buffer.from(cert.rdn));
  return false;
}

/** In scope with the reasons the CRL covers for this certificate, or the reason it does not apply. */
export type Scope = { ok: true; reasons: number } | { ok: false; error: RevocationError };

const outOfScope = (message: string): Scope => ({ ok: false, error: { code: 'OUT_OF_SCOPE', message } });

/** RFC 5280 §6.3.3 (b) and (d) for a CRL fetched from `point`, one of `cert`'s distribution points. */
export function crlScope(idp: IssuingDistributionPoint | null, cert: Certificate, point: DistributionPoint): Scope {
  if (point.indirect) {
    return {
      ok: false,
      error: { code: 'UNSUPPORTED', message: 'the distribution point names a cRLIssuer (indirect CRL)' },
    };
  }
  if (!idp) return { ok: true, reasons: point.reasons ?? ALL_REASONS };
  if (idp.indirectCRL) {
    return {
      ok: false,
      error: { code: 'UNSUPPORTED', message: 'indirect CRL (issuingDistributionPoint indirectCRL)' },
    };
  }
  if (idp.name.kind !== 'absent' && !namesMatch(idp.name, point.name)) {
    return outOfScope(
      `the CRL is for distribution point ${describe(idp.name)}, the certificate names ${describe(point.name)}`,
    );
  }
  if (idp.onlyContainsUserCerts && cert.isCa)
    return outOfScope('the CRL lists only end-entity certificates (onlyContainsUserCerts)');
  if (idp.onlyContainsCACerts && !cert.isCa)
    return outOfScope('the CRL lists only CA certificates (onlyContainsCACerts)');
  if (idp.onlyContainsAttributeCerts) return outOfScope('the CRL lists only attribute certificates');
  return { ok: true, reasons: (idp.onlySomeReasons ?? ALL_REASONS) & (point.reasons ?? ALL_REASONS) };
}
