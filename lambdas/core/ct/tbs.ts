/**
 * The link between a precertificate, its final certificate and the leaf a frontend serves: the SHA-256 of
 * the TBSCertificate with the CT poison and the SCT-list extensions removed (RFC 6962 §3.2: a final
 * certificate's TBS without its SCT list is its precertificate's TBS without the poison). The log entry's
 * own TBS is used for a precertificate, so one issued through a precertificate signing certificate links too.
 */
import { createHash } from 'node:crypto';
import { children, DerError, decodeOid, encoding, expectTag, readTlv, TAG_OID, TAG_SEQUENCE } from '../x509/der';
import { CtError } from './errors';

/** The CT poison extension (RFC 6962 §3.1): marks a precertificate. */
export const OID_CT_POISON = '1.3.6.1.4.1.11129.2.4.3';
/** The embedded SCT list extension (RFC 6962 §3.3). */
export const OID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

const TAG_EXTENSIONS = 0xa3;

/** DER length octets of `length`. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

function wrap(tag: number, parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function invalid(message: string, cause?: unknown): CtError {
  return new CtError('CT_ENCODING_INVALID', message, { cause });
}

/** The tbsCertificate of a DER certificate (the whole encoding). */
export function certificateTbs(certificate: Uint8Array): Uint8Array {
  try {
    const cert = expectTag(readTlv(certificate, 0), TAG_SEQUENCE, 'Certificate');
    if (cert.end !== certificate.length) throw new DerError('trailing octets after the certificate');
    const [tbs] = children(certificate, cert);
    if (!tbs) throw new DerError('an empty certificate');
    return encoding(certificate, expectTag(tbs, TAG_SEQUENCE, 'tbsCertificate'));
  } catch (error) {
    throw invalid(`a logged certificate is not DER: ${(error as Error).message}`, error);
  }
}

/**
 * The TBS without the poison and SCT-list extensions, re-encoded (an extensions field left empty is
 * dropped, as RFC 5280 allows no empty one). Throws CT_ENCODING_INVALID for bytes that are not a TBS.
 */
export function linkTbs(tbs: Uint8Array): Buffer {
  try {
    const top = expectTag(readTlv(tbs, 0), TAG_SEQUENCE, 'tbsCertificate');
    if (top.end !== tbs.length) throw new DerError('trailing octets after the TBS');
    const fields = children(tbs, top);
    const out: Uint8Array[] = [];
    for (const field of fields) {
      if (field.tag !== TAG_EXTENSIONS) {
        out.push(encoding(tbs, field));
        continue;
      }
      const [list, ...extra] = children(tbs, field);
      if (!list || extra.length > 0) throw new DerError('malformed extensions field');
      const kept = children(tbs, expectTag(list, TAG_SEQUENCE, 'Extensions')).filter((ext) => {
        const [oid] = children(tbs, expectTag(ext, TAG_SEQUENCE, 'Extension'));
        const id = decodeOid(tbs.subarray(expectTag(oid ?? ext, TAG_OID, 'extnID').contentStart, oid.end));
        return id !== OID_CT_POISON && id !== OID_SCT_LIST;
      });
      if (kept.length > 0)
        out.push(
          wrap(TAG_EXTENSIONS, [
            wrap(
              TAG_SEQUENCE,
              kept.map((e) => encoding(tbs, e)),
            ),
          ]),
        );
    }
    return wrap(TAG_SEQUENCE, out);
  } catch (error) {
    if (error instanceof CtError) throw error;
    throw invalid(`a logged TBS is not DER: ${(error as Error).message}`, error);
  }
}

/** The link key: SHA-256 (lowercase hex) of {@link linkTbs}. */
export function linkKey(tbs: Uint8Array): string {
  return createHash('sha256').update(linkTbs(tbs)).digest('hex');
}

/** The link key of a served (or logged) certificate. */
export function certificateLinkKey(certificate: Uint8Array): string {
  return linkKey(certificateTbs(certificate));
}
