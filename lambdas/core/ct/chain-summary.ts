/** The issuer chain a log was given, summarised for the issued-certificate record (issued.ts). */
import { createHash } from 'node:crypto';
import { certificateParts } from '../x509/der';
import { formatName } from '../x509/dn';
import type { IssuedChainCert } from './issued';

/** The chain summary of DER certificates (issuer first); certificates that cannot be read are left out. */
export function chainSummary(ders: readonly Uint8Array[]): IssuedChainCert[] {
  return ders.flatMap((der) => {
    try {
      const parts = certificateParts(der);
      return [
        {
          subject: formatName(parts.subject),
          sha256: createHash('sha256').update(der).digest('hex'),
          spkiSha256Hex: createHash('sha256').update(parts.spki).digest('hex'),
        },
      ];
    } catch {
      return [];
    }
  });
}
