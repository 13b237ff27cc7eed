import { MAX_CERTIFICATE_BYTES, MAX_CHAIN_CERTIFICATES } from '../core/x509/certificate';
import { ProbeError } from './errors';
import { HANDSHAKE_TYPE, maxRecordBody, RECORD_TYPE, tlsRecords } from './tls-record-reader';
import { Tls13RecordDecrypter, tls13Suite } from './tls13-keys';

/** What was captured of one handshake: the server's bytes as received, and what the client knows. */
export interface CapturedHandshake {
  /** Bytes the server sent, from its first TLS record on. */
  serverBytes: Buffer;
  /** Negotiated protocol, as Node names it (`TLSv1.3`, `TLSv1.2`, …). */
  protocol: string;
  /** Negotiated suite, IANA name. */
  cipher: string;
  /** SERVER_HANDSHAKE_TRAFFIC_SECRET from the key log (TLS 1.3 only). */
  serverHandshakeSecret?: Buffer;
}

/**
 * Extracts the certificate list exactly as the server presented it (same certificates, same order),
 * from the raw server bytes of a handshake. TLS 1.3 protects the Certificate message, so those records
 * are decrypted with the handshake traffic secret the client logged. No trust store is consulted.
 * @throws ProbeError CHAIN_UNPARSEABLE when the Certificate message is missing, malformed or over limits.
 */
export function extractPresentedChain(captured: CapturedHandshake): Buffer[] {
  const tls13 = captured.protocol === 'TLSv1.3';
  let decrypter: Tls13RecordDecrypter | undefined;
  if (tls13) {
    const suite = tls13Suite(captured.cipher);
    if (!suite) throw new ProbeError('CHAIN_UNPARSEABLE', `cannot read a TLS 1.3 handshake with ${captured.cipher}`);
    if (!captured.serverHandshakeSecret) {
      throw new ProbeError('CHAIN_UNPARSEABLE', 'TLS 1.3 handshake secret was not logged');
    }
    decrypter = new Tls13RecordDecrypter(suite, captured.serverHandshakeSecret);
  }
  const messages = new HandshakeReassembler();
  for (const { type, length, header, body, oversize } of tlsRecords(
    captured.serverBytes,
    maxRecordBody(captured.protocol),
  )) {
    if (oversize) throw new ProbeError('CHAIN_UNPARSEABLE', `TLS record of ${length} bytes`);
    if (body === null) break;
    if (type === RECORD_TYPE.handshake) {
      messages.push(body);
    } else if (type === RECORD_TYPE.applicationData && decrypter) {
      let inner: { type: number; content: Buffer };
      try {
        inner = decrypter.decrypt(header, body);
      } catch (cause) {
        throw new ProbeError('CHAIN_UNPARSEABLE', 'could not decrypt the TLS 1.3 handshake', { cause });
      }
      if (inner.type === RECORD_TYPE.handshake) messages.push(inner.content);
    } else if (type === RECORD_TYPE.changeCipherSpec) {
      // TLS 1.3 sends a dummy one for middlebox compatibility; in TLS 1.2 encryption starts after it.
      if (!tls13) break;
    } else if (type === RECORD_TYPE.alert) {
      break;
    }
    const certificate = messages.find(HANDSHAKE_TYPE.certificate);
    if (certificate) return parseCertificateMessage(certificate, tls13);
  }
  throw new ProbeError('CHAIN_UNPARSEABLE', 'the server sent no Certificate message');
}

/** Collects handshake bytes across records and finds whole messages by type. */
class HandshakeReassembler {
  private buffer: Buffer = Buffer.alloc(0);

  push(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
  }

  find(wanted: number): Buffer | undefined {
    let offset = 0;
    while (offset + 4 <= this.buffer.length) {
      const type = this.buffer[offset];
      const length = this.buffer.readUIntBE(offset + 1, 3);
      if (offset + 4 + length > this.buffer.length) return undefined;
      if (type === wanted) return this.buffer.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
    }
    return undefined;
  }
}

function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  const fail = (why: string) => new ProbeError('CHAIN_UNPARSEABLE', `malformed Certificate message: ${why}`);
  let offset = 0;
  if (tls13) {
    if (body.length < 1) throw fail('empty');
    offset = 1 + body[0];
  }
  if (offset + 3 > body.length) throw fail('truncated list length');
  const listEnd = offset + 3 + body.readUIntBE(offset, 3);
  offset += 3;
  if (listEnd !== body.length) throw fail('list length does not match the message');
  const certificates: Buffer[] = [];
  while (offset < listEnd) {
    if (offset + 3 > listEnd) throw fail('truncated certificate length');
    const length = body.readUIntBE(offset, 3);
    offset += 3;
    if (length === 0 || offset + length > listEnd) throw fail('certificate length out of bounds');
    if (length > MAX_CERTIFICATE_BYTES) {
      throw new ProbeError(
        'CHAIN_UNPARSEABLE',
        `certificate ${certificates.length + 1} is ${length} bytes (limit ${MAX_CERTIFICATE_BYTES})`,
      );
    }
    certificates.push(Buffer.from(body.subarray(offset, offset + length)));
    offset += length;
    if (tls13) {
      if (offset + 2 > listEnd) throw fail('truncated extensions');
      offset += 2 + body.readUInt16BE(offset);
    }
    if (certificates.length > MAX_CHAIN_CERTIFICATES) {
      throw new ProbeError('CHAIN_UNPARSEABLE', `more than ${MAX_CHAIN_CERTIFICATES} certificates presented`);
    }
  }
  if (offset !== listEnd) throw fail('trailing bytes');
  if (certificates.length === 0) throw new ProbeError('CHAIN_UNPARSEABLE', 'the server presented no certificate');
  return certificates;
}
