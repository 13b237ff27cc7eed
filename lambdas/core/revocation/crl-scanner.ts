/**
 * Reads a DER CRL (RFC 5280 §5.1) as it arrives, chunk by chunk, never holding the whole list: the
 * tbsCertList is hashed for the signature while the revokedCertificates are searched for the serials
 * asked about, entry by entry; crlExtensions (issuingDistributionPoint, delta indicator) and the signature
 * come last, so the verdict is made only once the whole CRL has been read (crl-verdict.ts).
 * Memory stays at one chunk plus one element (an entry, the issuer name, the extensions).
 */
import {
  certificateParts,
  DerError,
  decodeTime,
  type RawExtension,
  readExtensionList,
  readExtensions,
  readHeader,
  readTlv,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_SEQUENCE,
  type TlvHeader,
} from '../x509/der';
import { EXT_CERTIFICATE_ISSUER, EXT_CRL_REASON, EXT_HOLD_INSTRUCTION, EXT_INVALIDITY_DATE } from '../x509/oids';
import { type SignatureCheck, startSignatureCheck } from './signature';

/** Largest single element held at once (an entry, the issuer name, the CRL's extensions, the signature). */
export const MAX_CRL_ELEMENT_BYTES = 64 * 1024;

/** Entry extensions certwatch processes; any other marked critical makes the CRL unusable (RFC 5280 §5.3). */
const KNOWN_ENTRY_EXTENSIONS = new Set([EXT_CRL_REASON, EXT_HOLD_INSTRUCTION, EXT_INVALIDITY_DATE]);

/** What the CRL says about one serial asked about. */
export interface CrlEntry {
  revokedAt: number;
  /** CRLReason code, or null when the entry has none. */
  reasonCode: number | null;
}

/** The outcome of the signature check. */
export type CrlSignature = { ok: true } | { ok: false; unsupported: boolean; message: string };

/** Everything the verdict needs from a CRL, read in one pass. */
export interface CrlScan {
  /** The issuer Name as encoded. */
  issuer: Uint8Array;
  thisUpdate: number;
  nextUpdate: number | null;
  /** crlExtensions (RFC 5280 §5.2). */
  extensions: RawExtension[];
  /** The entry for each serial asked about, in the order asked; null when not listed. */
  found: (CrlEntry | null)[];
  /** Entries read. */
  entries: number;
  /** Entries naming a certificateIssuer: the list is indirect (RFC 5280 §5.3.3). */
  indirectEntries: number;
  /** Critical entry extensions certwatch does not process (their OIDs). */
  unknownCriticalEntryExtensions: string[];
  signature: CrlSignature;
  /** Octets read. */
  bytes: number;
}

type Field = 'version' | 'signature' | 'issuer' | 'thisUpdate' | 'nextUpdate' | 'revoked' | 'extensions' | 'done';
type Phase = 'outer' | 'tbs' | 'fields' | 'entries' | 'signatureAlgorithm' | 'signatureValue' | 'end';

const isTime = (tag: number) => tag === 0x17 || tag === 0x18;

/**
 * A streaming CRL reader looking for some serial numbers and checking the signature with one key.
 * `push` each chunk as it arrives, then `finish`. Throws DerError when the bytes are not a DER CRL.
 */
export class CrlScanner {
  readonly #serials: readonly Uint8Array[];
  readonly #issuerSpki: Uint8Array;
  #pending: Buffer = Buffer.alloc(0);
  /** Offset in the CRL of `#pending[0]`. */
  #pos = 0;
  #phase: Phase = 'outer';
  #field: Field = 'version';
  #outerEnd = 0;
  #tbsEnd = 0;
  #listEnd = 0;
  /** tbsCertList octets read before the signature algorithm was known. */
  #prefix: Buffer[] = [];
  #check: SignatureCheck | null = null;
  #checkError: string | null = null;
  #tbsAlgorithm: Buffer | null = null;
  #issuer: Buffer | null = null;
  #thisUpdate: number | null = null;
  #nextUpdate: number | null = null;
  #extensions: RawExtension[] = [];
  #found: (CrlEntry | null)[];
  #entries = 0;
  #indirectEntries = 0;
  #unknownCritical = new Set<string>();
  #signature: CrlSignature | null = null;

  /**
   * @param serials content octets of the serial numbers to look for (as in the certificates)
   * @param issuerSpki the SubjectPublicKeyInfo the CRL must be signed with
   */
  constructor(serials: readonly Uint8Array[], issuerSpki: Uint8Array) {
    this.#serials = serials;
    this.#issuerSpki = issuerSpki;
    this.#found = serials.map(() => null);
  }

  /** Octets read so far. */
  get bytes(): number {
    return this.#pos + this.#pending.length;
  }

  /** Reads the next chunk of the CRL. */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#pending = this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
    while (this.#step()) {
      // each step consumes one element or header
    }
  }

  /** The scan of a complete CRL. Throws DerError when it ended early. */
  finish(): CrlScan {
    if (this.#phase !== 'end' || this.#pending.length > 0) {
      throw new DerError(
        `the CRL ends after ${this.bytes} octets, inside its ${this.#phase === 'entries' ? 'revoked certificates' : this.#phase}`,
      );
    }
    return {
      issuer: this.#issuer as Buffer,
      thisUpdate: this.#thisUpdate as number,
      nextUpdate: this.#nextUpdate,
      extensions: this.#extensions,
      found: this.#found,
      entries: this.#entries,
      indirectEntries: this.#indirectEntries,
      unknownCriticalEntryExtensions: [...this.#unknownCritical],
      signature: this.#signature as CrlSignature,
      bytes: this.#pos,
    };
  }

  #header(): TlvHeader | null {
    return readHeader(this.#pending, 0, this.#pending.length);
  }

  /** The next element whole, once all of it has arrived; it must end by `containerEnd`. */
  #take(containerEnd: number, what: string, hashed: boolean): Buffer | null {
    const header = this.#header();
    if (!header) return null;
    const total = header.headerLength + header.length;
    if (this.#pos + total > containerEnd) throw new DerError(`${what} runs past the end of its container`);
    if (total > MAX_CRL_ELEMENT_BYTES) {
      throw new DerError(`${what} of ${total} octets exceeds the ${MAX_CRL_ELEMENT_BYTES}-octet element limit`);
    }
    if (this.#pending.length < total) return null;
    const element = this.#pending.subarray(0, total);
    this.#consume(total, hashed);
    return element;
  }

  #consume(count: number, hashed: boolean): void {
    const bytes = this.#pending.subarray(0, count);
    if (hashed) this.#feed(bytes);
    this.#pending = this.#pending.subarray(count);
    this.#pos += count;
  }

  #feed(bytes: Buffer): void {
    if (this.#checkError !== null) return;
    if (!this.#check) {
      this.#prefix.push(Buffer.from(bytes));
      return;
    }
    try {
      this.#check.update(bytes);
    } catch (error) {
      this.#checkError = (error as Error).message;
    }
  }

  #step(): boolean {
    switch (this.#phase) {
      case 'outer': {
        const header = this.#header();
        if (!header) return false;
        if (header.tag !== TAG_SEQUENCE) throw new DerError('CertificateList: expected SEQUENCE');
        this.#outerEnd = header.headerLength + header.length;
        this.#consume(header.headerLength, false);
        this.#phase = 'tbs';
        return true;
      }
      case 'tbs': {
        const header = this.#header();
        if (!header) return false;
        if (header.tag !== TAG_SEQUENCE) throw new DerError('tbsCertList: expected SEQUENCE');
        this.#tbsEnd = this.#pos + header.headerLength + header.length;
        if (this.#tbsEnd > this.#outerEnd) throw new DerError('tbsCertList runs past the end of the CRL');
        this.#consume(header.headerLength, true);
        this.#phase = 'fields';
        return true;
      }
      case 'fields':
        return this.#stepField();
      case 'entries': {
        if (this.#pos === this.#listEnd) {
          this.#phase = 'fields';
          return true;
        }
        const entry = this.#take(this.#listEnd, 'revoked certificate entry', true);
        if (!entry) return false;
        this.#readEntry(entry);
        return true;
      }
      case 'signatureAlgorithm': {
        const algorithm = this.#take(this.#outerEnd, 'signatureAlgorithm', false);
        if (!algorithm) return false;
        if (!this.#tbsAlgorithm?.equals(algorithm)) {
          this.#signature = {
            ok: false,
            unsupported: false,
            message: 'the outer signature algorithm differs from the signed one',
          };
        }
        this.#phase = 'signatureValue';
        return true;
      }
      case 'signatureValue': {
        const value = this.#take(this.#outerEnd, 'signatureValue', false);
        if (!value) return false;
        const tlv = readTlv(value, 0);
        if (tlv.tag !== TAG_BIT_STRING) throw new DerError('signatureValue: expected BIT STRING');
        if (this.#pos !== this.#outerEnd) throw new DerError('unexpected element after the signature');
        this.#signature ??= this.#verify(value.subarray(tlv.contentStart, tlv.end));
        this.#phase = 'end';
        return true;
      }
      case 'end':
        if (this.#pending.length > 0) throw new DerError(`${this.#pending.length} trailing octets after the CRL`);
        return false;
    }
  }

  #verify(signature: Uint8Array): CrlSignature {
    if (this.#checkError !== null) return { ok: false, unsupported: true, message: this.#checkError };
    if (!this.#check) return { ok: false, unsupported: true, message: 'no signature algorithm' };
    return this.#check.verify(signature)
      ? { ok: true }
      : { ok: false, unsupported: false, message: "the signature does not verify with the issuer's key" };
  }

  #stepField(): boolean {
    if (this.#pos === this.#tbsEnd) {
      if (this.#thisUpdate === null) throw new DerError('tbsCertList: too few elements');
      if (this.#field === 'revoked' || this.#field === 'nextUpdate') this.#field = 'done';
      this.#phase = 'signatureAlgorithm';
      return true;
    }
    const header = this.#header();
    if (!header) return false;
    const { tag } = header;
    switch (this.#field) {
      case 'version': {
        if (tag !== TAG_INTEGER) {
          this.#field = 'signature';
          return true;
        }
        const version = this.#take(this.#tbsEnd, 'version', true);
        if (!version) return false;
        const value = version.subarray(readTlv(version, 0).contentStart);
        if (value.length !== 1 || value[0] !== 1) throw new DerError('CRL version must be v2 when present');
        this.#field = 'signature';
        return true;
      }
      case 'signature': {
        if (tag !== TAG_SEQUENCE) throw new DerError('tbsCertList signature: expected SEQUENCE');
        const algorithm = this.#take(this.#tbsEnd, 'signature', true);
        if (!algorithm) return false;
        this.#tbsAlgorithm = Buffer.from(algorithm);
        this.#startCheck(this.#tbsAlgorithm);
        this.#field = 'issuer';
        return true;
      }
      case 'issuer': {
        if (tag !== TAG_SEQUENCE) throw new DerError('issuer: expected SEQUENCE');
        const issuer = this.#take(this.#tbsEnd, 'issuer', true);
        if (!issuer) return false;
        this.#issuer = Buffer.from(issuer);
        this.#field = 'thisUpdate';
        return true;
      }
      case 'thisUpdate':
      case 'nextUpdate': {
        if (!isTime(tag)) {
          if (this.#field === 'thisUpdate') throw new DerError('thisUpdate: expected a time');
          this.#field = 'revoked';
          return true;
        }
        const time = this.#take(this.#tbsEnd, this.#field, true);
        if (!time) return false;
        const value = decodeTime(time, readTlv(time, 0));
        if (this.#field === 'thisUpdate') this.#thisUpdate = value;
        else this.#nextUpdate = value;
        this.#field = this.#field === 'thisUpdate' ? 'nextUpdate' : 'revoked';
        return true;
      }
      case 'revoked': {
        this.#field = 'extensions';
        if (tag !== TAG_SEQUENCE) return true;
        this.#listEnd = this.#pos + header.headerLength + header.length;
        if (this.#listEnd > this.#tbsEnd) throw new DerError('revokedCertificates runs past the end of tbsCertList');
        this.#consume(header.headerLength, true);
        this.#phase = 'entries';
        return true;
      }
      case 'extensions': {
        if (tag !== 0xa0) throw new DerError(`tbsCertList: unexpected element (tag 0x${tag.toString(16)})`);
        const wrapper = this.#take(this.#tbsEnd, 'crlExtensions', true);
        if (!wrapper) return false;
        this.#extensions = readExtensions(wrapper, readTlv(wrapper, 0));
        this.#field = 'done';
        return true;
      }
      case 'done':
        throw new DerError(`tbsCertList: unexpected element (tag 0x${tag.toString(16)}) after crlExtensions`);
    }
  }

  #startCheck(algorithm: Buffer): void {
    try {
      this.#check = startSignatureCheck(algorithm, this.#issuerSpki);
    } catch (error) {
      this.#checkError = (error as Error).message;
      return;
    }
    const prefix = this.#prefix;
    this.#prefix = [];
    for (const bytes of prefix) this.#feed(bytes);
  }

  #readEntry(entry: Buffer): void {
    this.#entries += 1;
    const sequence = readTlv(entry, 0);
    if (sequence.tag !== TAG_SEQUENCE) throw new DerError('revoked certificate entry: expected SEQUENCE');
    const serial = readTlv(entry, sequence.contentStart, sequence.end);
    if (serial.tag !== TAG_INTEGER) throw new DerError('userCertificate: expected INTEGER');
    const date = readTlv(entry, serial.end, sequence.end);
    if (!isTime(date.tag)) throw new DerError('revocationDate: expected a time');
    const extensions = date.end < sequence.end ? readExtensionList(entry, readTlv(entry, date.end, sequence.end)) : [];
    let reasonCode: number | null = null;
    for (const extension of extensions) {
      if (extension.oid === EXT_CERTIFICATE_ISSUER) this.#indirectEntries += 1;
      else if (extension.oid === EXT_CRL_REASON) reasonCode = enumerated(extension.value);
      else if (extension.critical && !KNOWN_ENTRY_EXTENSIONS.has(extension.oid))
        this.#unknownCritical.add(extension.oid);
    }
    const length = serial.end - serial.contentStart;
    for (let i = 0; i < this.#serials.length; i++) {
      const wanted = this.#serials[i];
      if (wanted.length !== length) continue;
      if (entry.compare(wanted, 0, length, serial.contentStart, serial.end) !== 0) continue;
      this.#found[i] = { revokedAt: decodeTime(entry, date), reasonCode };
    }
  }
}

/** CRLReason: an ENUMERATED (RFC 5280 §5.3.1). */
function enumerated(value: Uint8Array): number {
  const tlv = readTlv(value, 0);
  if (tlv.tag !== 0x0a || tlv.end !== value.length || tlv.end - tlv.contentStart !== 1) {
    throw new DerError('reasonCode: expected a one-octet ENUMERATED');
  }
  return value[tlv.contentStart];
}

/** The serial number of a certificate as the scanner compares it (content octets of the INTEGER). */
export function serialOctets(der: Uint8Array): Uint8Array {
  return certificateParts(der).serial;
}
