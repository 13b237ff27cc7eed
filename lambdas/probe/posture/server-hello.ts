/**
 * Reads the server's first answer to a ClientHello from the raw bytes it sent: the ServerHello's
 * version and chosen suite, or an alert. Nothing after the ServerHello is looked at.
 */
import type { TlsVersion } from '../../core/posture/posture';
import { HANDSHAKE_TYPE, maxRecordBody, RECORD_TYPE, tlsRecords } from '../tls-record-reader';

/** The most server bytes read while waiting for a ServerHello or an alert. */
export const MAX_ANSWER_BYTES = 32 * 1024;

const EXTENSION_SUPPORTED_VERSIONS = 0x002b;

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** What the server answered. */
export type ServerAnswer =
  /** `version` is the negotiated one (supported_versions when present); a HelloRetryRequest also binds the suite. */
  | { kind: 'hello'; version: number; suite: number; helloRetry: boolean }
  | { kind: 'alert'; level: number; description: number }
  /** Not TLS, or TLS that breaks the protocol before a ServerHello. */
  | { kind: 'garbage'; reason: string };

const WIRE_VERSIONS: Record<TlsVersion, number> = {
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

/** `TLSv1.2` → 0x0303. */
export function wireVersion(version: TlsVersion): number {
  return WIRE_VERSIONS[version];
}

/** 0x0303 → `TLSv1.2`; other values (SSLv3 = 0x0300, drafts) → undefined. */
export function versionFromWire(wire: number): TlsVersion | undefined {
  return (Object.keys(WIRE_VERSIONS) as TlsVersion[]).find((v) => WIRE_VERSIONS[v] === wire);
}

/** Alert descriptions a server sends to a ClientHello (RFC 8446 §6), for messages. */
const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  40: 'handshake_failure',
  47: 'illegal_parameter',
  49: 'access_denied',
  50: 'decode_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  109: 'missing_extension',
  112: 'unrecognized_name',
};

/** `alert 40 (handshake_failure)`. */
export function describeAlert(description: number): string {
  const name = ALERT_NAMES[description];
  return name ? `alert ${description} (${name})` : `alert ${description}`;
}

/**
 * Parses the bytes a server sent so far. Returns undefined while the answer is incomplete; garbage once
 * the bytes cannot start a TLS answer or exceed {@link MAX_ANSWER_BYTES}.
 */
export function readServerAnswer(bytes: Buffer): ServerAnswer | undefined {
  let handshake = Buffer.alloc(0);
  // Before the ServerHello no version is agreed: the larger (TLS 1.2) record limit applies.
  for (const { offset, type, major, length, body, oversize } of tlsRecords(bytes, maxRecordBody())) {
    if (type < RECORD_TYPE.changeCipherSpec || type > RECORD_TYPE.applicationData || major !== 3) {
      return { kind: 'garbage', reason: `not a TLS record: ${printable(bytes.subarray(offset, offset + 24))}` };
    }
    if (oversize) return { kind: 'garbage', reason: `a TLS record of ${length} bytes` };
    if (body === null) break;
    if (type === RECORD_TYPE.alert) {
      if (body.length < 2) return { kind: 'garbage', reason: 'a truncated alert' };
      return { kind: 'alert', level: body[0], description: body[1] };
    }
    if (type !== RECORD_TYPE.handshake)
      return { kind: 'garbage', reason: `record type ${type} before the ServerHello` };
    handshake = Buffer.concat([handshake, body]);
    if (handshake.length >= 1 && handshake[0] !== HANDSHAKE_TYPE.serverHello) {
      return { kind: 'garbage', reason: `handshake message ${handshake[0]} instead of a ServerHello` };
    }
    if (handshake.length >= 4) {
      const messageLength = handshake.readUIntBE(1, 3);
      if (handshake.length >= 4 + messageLength) return parseServerHello(handshake.subarray(4, 4 + messageLength));
    }
  }
  if (bytes.length > MAX_ANSWER_BYTES) return { kind: 'garbage', reason: `no ServerHello in ${bytes.length} bytes` };
  return undefined;
}

function parseServerHello(body: Buffer): ServerAnswer {
  const bad = (why: string): ServerAnswer => ({ kind: 'garbage', reason: `malformed ServerHello: ${why}` });
  if (body.length < 38) return bad('too short');
  let version = body.readUInt16BE(0);
  const helloRetry = body.subarray(2, 34).equals(HELLO_RETRY_RANDOM);
  let offset = 34;
  const sessionIdLength = body[offset];
  offset += 1 + sessionIdLength;
  if (sessionIdLength > 32 || offset + 3 > body.length) return bad('session id');
  const suite = body.readUInt16BE(offset);
  offset += 3;
  if (offset + 2 <= body.length) {
    const end = offset + 2 + body.readUInt16BE(offset);
    if (end > body.length) return bad('extensions overrun the message');
    offset += 2;
    while (offset + 4 <= end) {
      const type = body.readUInt16BE(offset);
      const length = body.readUInt16BE(offset + 2);
      if (offset + 4 + length > end) return bad('extension overruns the list');
      if (type === EXTENSION_SUPPORTED_VERSIONS) {
        if (length !== 2) return bad('supported_versions is not one version');
        version = body.readUInt16BE(offset + 4);
      }
      offset += 4 + length;
    }
  }
  return { kind: 'hello', version, suite, helloRetry };
}

function printable(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
}
