/**
 * One revokedCertificates entry of a CRL (RFC 5280 §5.1.2.6, §5.3): its serial compared with those
 * asked about, and the entry extensions that decide whether the list can be used at all.
 */
import {
  certificateParts,
  DerError,
  decodeTime,
  readExtensionList,
  readTlv,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from '../x509/der';
import { EXT_CERTIFICATE_ISSUER, EXT_CRL_REASON, EXT_HOLD_INSTRUCTION, EXT_INVALIDITY_DATE } from '../x509/oids';

/** Entry extensions certwatch processes; any other marked critical makes the CRL unusable (RFC 5280 §5.3). */
const KNOWN_ENTRY_EXTENSIONS = new Set([EXT_CRL_REASON, EXT_HOLD_INSTRUCTION, EXT_INVALIDITY_DATE]);

/** What the CRL says about one serial asked about. */
export interface CrlEntry {
  revokedAt: number;
  /** CRLReason code, or null when the entry has none. */
  reasonCode: number | null;
}

/** What one entry showed. */
export interface EntryReading {
  /** Indexes (in the serials asked about) that this entry lists, with what it says. */
  matches: { index: number; entry: CrlEntry }[];
  /** It names a certificateIssuer: the list is indirect (RFC 5280 §5.3.3). */
  indirect: boolean;
  /** Critical entry extensions certwatch does not process (OIDs). */
  unknownCritical: string[];
}

const isTime = (tag: number) => tag === 0x17 || tag === 0x18;

/** CRLReason: an ENUMERATED (RFC 5280 §5.3.1). */
function enumerated(value: Uint8Array): number {
  const tlv = readTlv(value, 0);
  if (tlv.tag !== 0x0a || tlv.end !== value.length || tlv.end - tlv.contentStart !== 1) {
    throw new DerError('reasonCode: expected a one-octet ENUMERATED');
  }
  return value[tlv.contentStart];
}

/** Reads one whole entry (its encoding) against the serials asked about (INTEGER content octets). */
export function readCrlEntry(entry: Buffer, serials: readonly Uint8Array[]): EntryReading {
  const sequence = readTlv(entry, 0);
  if (sequence.tag !== TAG_SEQUENCE) throw new DerError('revoked certificate entry: expected SEQUENCE');
  const serial = readTlv(entry, sequence.contentStart, sequence.end);
  if (serial.tag !== TAG_INTEGER) throw new DerError('userCertificate: expected INTEGER');
  const date = readTlv(entry, serial.end, sequence.end);
  if (!isTime(date.tag)) throw new DerError('revocationDate: expected a time');
  const extensions = date.end < sequence.end ? readExtensionList(entry, readTlv(entry, date.end, sequence.end)) : [];
  const reading: EntryReading = { matches: [], indirect: false, unknownCritical: [] };
  let reasonCode: number | null = null;
  for (const extension of extensions) {
    if (extension.oid === EXT_CERTIFICATE_ISSUER) reading.indirect = true;
    else if (extension.oid === EXT_CRL_REASON) reasonCode = enumerated(extension.value);
    else if (extension.critical && !KNOWN_ENTRY_EXTENSIONS.has(extension.oid))
      reading.unknownCritical.push(extension.oid);
  }
  const length = serial.end - serial.contentStart;
  for (let index = 0; index < serials.length; index++) {
    const wanted = serials[index];
    if (wanted.length !== length) continue;
    if (entry.compare(wanted, 0, length, serial.contentStart, serial.end) !== 0) continue;
    reading.matches.push({ index, entry: { revokedAt: decodeTime(entry, date), reasonCode } });
  }
  return reading;
}

/** The serial number of a certificate as entries are compared with it (content octets of the INTEGER). */
export function serialOctets(der: Uint8Array): Uint8Array {
  return certificateParts(der).serial;
}
