/**
 * Reads a DER CRL (RFC 5280 §5.1) as it arrives, chunk by chunk, never holding the whole list: the
 * tbsCertList is hashed for the signature while the revokedCertificates are searched for the serials
 * asked about, entry by entry (crl-entry.ts); crlExtensions (issuingDistributionPoint, delta indicator)
 * and the signature come last, so the verdict is made only once the whole CRL has been read
 * (crl-verdict.ts). Memory stays at one chunk plus one element (core/x509/der-stream.ts).
 */
import {
  DerError,
  decodeTime,
  type RawExtension,
  readExtensions,
  readTlv,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from '../x509/der';
import { DerStream } from '../x509/der-stream';
import { type CrlEntry, readCrlEntry } from './crl-entry';
import { type SignatureCheck, startSignatureCheck } from './signature';

export { type CrlEntry, serialOctets } from './crl-entry';

/** Largest single element held at once (an entry, the issuer name, the CRL's extensions, the signature). */
export const MAX_CRL_ELEMENT_BYTES = 64 * 1024;

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
  readonly #stream = new DerStream();
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
    return this.#stream.position + this.#stream.buffered;
  }

  /** Reads the next chunk of the CRL. */
  push(chunk: Uint8Array): void {
    this.#stream.push(chunk);
    while (this.#step()) {
      // each step consumes one element or header
    }
  }

  /** The scan of a complete CRL. Throws DerError when it ended early. */
  finish(): CrlScan {
    if (this.#phase !== 'end' || this.#stream.buffered > 0) {
      const where = this.#phase === 'entries' ? 'revoked certificates' : this.#phase;
      throw new DerError(`the CRL ends after ${this.bytes} octets, inside its ${where}`);
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
      bytes: this.#stream.position,
    };
  }

  /** The next element whole, once it has arrived; fed to the signature check when it is signed. */
  #take(containerEnd: number, what: string, signed: boolean): Buffer | null {
    const element = this.#stream.take(containerEnd, what, MAX_CRL_ELEMENT_BYTES);
    if (element && signed) this.#feed(element);
    return element;
  }

  /** Enters a constructed element: consumes its header, returns where it ends. */
  #enter(headerLength: number, length: number, signed: boolean): number {
    const end = this.#stream.position + headerLength + length;
    const header = this.#stream.consume(headerLength);
    if (signed) this.#feed(header);
    return end;
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
      case 'outer':
      case 'tbs': {
        const header = this.#stream.header();
        if (!header) return false;
        const what = this.#phase === 'outer' ? 'CertificateList' : 'tbsCertList';
        if (header.tag !== TAG_SEQUENCE) throw new DerError(`${what}: expected SEQUENCE`);
        if (this.#phase === 'outer') {
          this.#outerEnd = this.#enter(header.headerLength, header.length, false);
          this.#phase = 'tbs';
        } else {
          this.#tbsEnd = this.#enter(header.headerLength, header.length, true);
          if (this.#tbsEnd > this.#outerEnd) throw new DerError('tbsCertList runs past the end of the CRL');
          this.#phase = 'fields';
        }
        return true;
      }
      case 'fields':
        return this.#stepField();
      case 'entries': {
        if (this.#stream.position === this.#listEnd) {
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
          const message = 'the outer signature algorithm differs from the signed one';
          this.#signature = { ok: false, unsupported: false, message };
        }
        this.#phase = 'signatureValue';
        return true;
      }
      case 'signatureValue': {
        const value = this.#take(this.#outerEnd, 'signatureValue', false);
        if (!value) return false;
        const tlv = readTlv(value, 0);
        if (tlv.tag !== TAG_BIT_STRING) throw new DerError('signatureValue: expected BIT STRING');
        if (this.#stream.position !== this.#outerEnd) throw new DerError('unexpected element after the signature');
        this.#signature ??= this.#verify(value.subarray(tlv.contentStart, tlv.end));
        this.#phase = 'end';
        return true;
      }
      case 'end':
        if (this.#stream.buffered > 0) throw new DerError(`${this.#stream.buffered} trailing octets after the CRL`);
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

  /** One field of tbsCertList, in the order RFC 5280 §5.1 gives them (optional ones skipped by tag). */
  #stepField(): boolean {
    if (this.#stream.position === this.#tbsEnd) {
      if (this.#thisUpdate === null) throw new DerError('tbsCertList: too few elements');
      this.#phase = 'signatureAlgorithm';
      return true;
    }
    const header = this.#stream.header();
    if (!header) return false;
    const { tag } = header;
    const field = this.#field;
    if (field === 'version' && tag !== TAG_INTEGER) return this.#next('signature');
    if (field === 'nextUpdate' && !isTime(tag)) return this.#next('revoked');
    if (field === 'revoked') {
      if (tag !== TAG_SEQUENCE) return this.#next('extensions');
      this.#listEnd = this.#enter(header.headerLength, header.length, true);
      if (this.#listEnd > this.#tbsEnd) throw new DerError('revokedCertificates runs past the end of tbsCertList');
      this.#phase = 'entries';
      return this.#next('extensions');
    }
    const expected: Record<Exclude<Field, 'revoked'>, (t: number) => boolean> = {
      version: (t) => t === TAG_INTEGER,
      signature: (t) => t === TAG_SEQUENCE,
      issuer: (t) => t === TAG_SEQUENCE,
      thisUpdate: isTime,
      nextUpdate: isTime,
      extensions: (t) => t === 0xa0,
      done: () => false,
    };
    if (!expected[field](tag))
      throw new DerError(`tbsCertList ${field}: unexpected element (tag 0x${tag.toString(16)})`);
    const element = this.#take(this.#tbsEnd, field, true);
    if (!element) return false;
    this.#readField(field, element);
    return true;
  }

  #next(field: Field): boolean {
    this.#field = field;
    return true;
  }

  #readField(field: Field, element: Buffer): void {
    switch (field) {
      case 'version': {
        const value = element.subarray(readTlv(element, 0).contentStart);
        if (value.length !== 1 || value[0] !== 1) throw new DerError('CRL version must be v2 when present');
        this.#field = 'signature';
        return;
      }
      case 'signature':
        this.#tbsAlgorithm = Buffer.from(element);
        this.#startCheck(this.#tbsAlgorithm);
        this.#field = 'issuer';
        return;
      case 'issuer':
        this.#issuer = Buffer.from(element);
        this.#field = 'thisUpdate';
        return;
      case 'thisUpdate':
        this.#thisUpdate = decodeTime(element, readTlv(element, 0));
        this.#field = 'nextUpdate';
        return;
      case 'nextUpdate':
        this.#nextUpdate = decodeTime(element, readTlv(element, 0));
        this.#field = 'revoked';
        return;
      case 'extensions':
        this.#extensions = readExtensions(element, readTlv(element, 0));
        this.#field = 'done';
        return;
      default:
        throw new DerError(`tbsCertList: unexpected ${field}`);
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
    const reading = readCrlEntry(entry, this.#serials);
    if (reading.indirect) this.#indirectEntries += 1;
    for (const oid of reading.unknownCritical) this.#unknownCritical.add(oid);
    for (const match of reading.matches) this.#found[match.index] = match.entry;
  }
}
