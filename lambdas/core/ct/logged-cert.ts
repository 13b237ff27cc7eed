/**
 * The facts of a logged certificate or precertificate, read from the TBS the log entry commits to (only
 * for the few entries the name filter lets through): names, issuer, validity, key, and the link key.
 */
import { createHash } from 'node:crypto';
import { readTlv, serialHex, tbsParts } from '../x509/der';
import { formatName } from '../x509/dn';
import { readExtensionProfile } from '../x509/extensions';
import { describePublicKey } from '../x509/public-key';
import type { LogEntry } from './entries';
import { CtError } from './errors';
import { certificateTbs, linkKey, OID_CT_POISON } from './tbs';

/** What certwatch records of one logged (pre)certificate. */
export interface LoggedCertFacts {
  /** SHA-256 (hex) of the TBS without poison and SCT list: the same for precertificate, certificate and served leaf. */
  linkKey: string;
  /** A precertificate entry (the final certificate's fingerprint is not known yet). */
  precertificate: boolean;
  /** SHA-256 (hex) of the final certificate's DER; null for a precertificate. */
  sha256: string | null;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** dNSNames of the subjectAltName, as logged. */
  dnsNames: string[];
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (the observation's `spkiSha256`). */
  spkiSha256: string;
  /** Hex SHA-256 of the SubjectPublicKeyInfo (TLSA 3 1 1 data). */
  spkiSha256Hex: string;
  keyAlgorithm: string;
}

/** The TBS an entry commits to. */
export function entryTbs(entry: LogEntry): Uint8Array {
  if (entry.precertTbs) return entry.precertTbs;
  return certificateTbs(entry.certificate as Uint8Array);
}

/** Reads the facts of an entry's (pre)certificate. Throws CtError CT_ENCODING_INVALID on bytes that are not a TBS. */
export function loggedCertFacts(entry: LogEntry): LoggedCertFacts {
  const tbs = entryTbs(entry);
  try {
    const top = readTlv(tbs, 0);
    if (top.end !== tbs.length) throw new Error('trailing octets after the TBS');
    const parts = tbsParts(tbs, top);
    const profile = readExtensionProfile(parts.extensions);
    const spkiHash = createHash('sha256').update(parts.spki).digest();
    const poisoned = parts.extensions.some((e) => e.oid === OID_CT_POISON);
    return {
      linkKey: linkKey(tbs),
      precertificate: entry.kind === 'precert' || poisoned,
      sha256:
        entry.kind === 'x509'
          ? createHash('sha256')
              .update(entry.certificate as Uint8Array)
              .digest('hex')
          : null,
      subject: formatName(parts.subject),
      issuer: formatName(parts.issuer),
      serial: serialHex(parts.serial),
      notBefore: new Date(parts.notBefore).toISOString(),
      notAfter: new Date(parts.notAfter).toISOString(),
      dnsNames: profile.generalNames.filter((n) => n.tag === 0x82).map((n) => Buffer.from(n.value).toString('latin1')),
      spkiSha256: spkiHash.toString('base64'),
      spkiSha256Hex: spkiHash.toString('hex'),
      keyAlgorithm: describePublicKey(parts.spki),
    };
  } catch (error) {
    if (error instanceof CtError) throw error;
    throw new CtError('CT_ENCODING_INVALID', `a logged TBS cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
