/**
 * The one reader of TLS records from a server's raw bytes (RFC 8446 §5.1, RFC 5246 §6.2.1): a 5-byte
 * header (type, legacy version, length) and a body, with the body limit of the protocol version. The
 * chain extractor (tls-records.ts), the ServerHello reader (posture/server-hello.ts) and the handshake's
 * alert check (tls-handshake.ts) all read through it.
 */

/** Record content types. */
export const RECORD_TYPE = Object.freeze({
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
});

/** Handshake message types read here. */
export const HANDSHAKE_TYPE = Object.freeze({ serverHello: 2, certificate: 11 });

/** Bytes of a record header: type (1), legacy version (2), length (2). */
export const RECORD_HEADER_BYTES = 5;

/**
 * The largest record body a peer may send under `protocol`: TLS 1.3 allows 2^14 + 256 (RFC 8446
 * §5.2, TLSCiphertext); TLS 1.2 and earlier 2^14 + 2048 (RFC 5246 §6.2.3, TLSCiphertext). Before a
 * version is agreed (a ServerHello may be any of them), the larger one.
 */
export function maxRecordBody(protocol?: string): number {
  return protocol === 'TLSv1.3' ? 16_384 + 256 : 16_384 + 2048;
}

/** One record as found in the bytes. */
export interface TlsRecord {
  /** Where its header starts in the bytes. */
  offset: number;
  type: number;
  /** The legacy version's major byte: 3 for every TLS version. */
  major: number;
  /** The length the header announces. */
  length: number;
  header: Buffer;
  /** The body; null while it has not all arrived. */
  body: Buffer | null;
  /** The announced length is over the limit: the body is not read. */
  oversize: boolean;
}

/**
 * The records in `bytes`, in order. The last one yielded may be incomplete (`body` null) or oversize;
 * nothing is read past either.
 */
export function* tlsRecords(bytes: Buffer, maxBody: number): Generator<TlsRecord> {
  let offset = 0;
  while (offset + RECORD_HEADER_BYTES <= bytes.length) {
    const header = bytes.subarray(offset, offset + RECORD_HEADER_BYTES);
    const length = header.readUInt16BE(3);
    const record = { offset, type: header[0], major: header[1], length, header };
    if (length > maxBody) {
      yield { ...record, body: null, oversize: true };
      return;
    }
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > bytes.length) {
      yield { ...record, body: null, oversize: false };
      return;
    }
    yield { ...record, body: bytes.subarray(offset + RECORD_HEADER_BYTES, end), oversize: false };
    offset = end;
  }
}

/** The alert when `bytes` begin with a whole plaintext alert record (level, description), else undefined. */
export function leadingAlert(bytes: Buffer): { level: number; description: number; alone: boolean } | undefined {
  const first = tlsRecords(bytes, maxRecordBody()).next();
  if (first.done) return undefined;
  const { type, length, body } = first.value;
  if (type !== RECORD_TYPE.alert || length !== 2 || body === null) return undefined;
  return { level: body[0], description: body[1], alone: bytes.length === RECORD_HEADER_BYTES + 2 };
}
