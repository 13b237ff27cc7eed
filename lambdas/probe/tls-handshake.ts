import type { Socket } from 'node:net';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { KeyType } from '../core/observation';
import { ProbeError } from './errors';
import { SocketTap } from './socket-tap';
import { leadingAlert } from './tls-record-reader';
import { extractPresentedChain } from './tls-records';
import { DECRYPTABLE_TLS13_SUITES } from './tls13-keys';

/** The server's handshake bytes we keep at most (16 certs × 64 KiB plus records). */
const HANDSHAKE_CAPTURE_LIMIT = 1_200_000;

/**
 * Client settings under which only a certificate of one key type can answer: TLS 1.3 by signature
 * algorithms, TLS 1.2 and older by the authentication of the cipher suites.
 */
const KEY_TYPE_SETTINGS: Record<KeyType, { sigalgs: string; ciphers: string }> = {
  ecdsa: {
    sigalgs: 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ECDSA+SHA1',
    ciphers: 'aECDSA',
  },
  rsa: {
    sigalgs:
      'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:RSA+SHA1',
    ciphers: 'aRSA',
  },
};

/**
 * One client context per key type for the whole process: building a SecureContext per connection was
 * the largest per-probe cost after the handshake itself (a 200-endpoint run spent 8 % of its time there).
 * Sharing it resumes nothing: a Node client resumes a session only when given one (`session`), so every
 * probe still gets a full handshake and the server's Certificate message.
 */
const secureContexts = new Map<KeyType, SecureContext>();

function secureContextFor(keyType: KeyType): SecureContext {
  let context = secureContexts.get(keyType);
  if (!context) {
    const settings = KEY_TYPE_SETTINGS[keyType];
    context = createSecureContext({
      minVersion: 'TLSv1',
      // SECLEVEL=0 so that old servers (TLS 1.0, SHA-1, small keys) still show their certificates.
      ciphers: `${DECRYPTABLE_TLS13_SUITES}:${settings.ciphers}:@SECLEVEL=0`,
      sigalgs: settings.sigalgs,
    });
    secureContexts.set(keyType, context);
  }
  return context;
}

/** What a finished handshake gave. */
export interface HandshakeResult {
  tlsSocket: TLSSocket;
  protocol: string;
  cipher: string;
  /** DER certificates exactly as presented, leaf first. */
  chainDer: Buffer[];
  /** Set when the chain could not be read; the handshake itself succeeded. */
  chainError?: ProbeError;
  /** The OCSP response the server stapled, when one was asked for (`requestOCSP`) and sent. */
  ocspStaple?: Buffer;
}

/**
 * Runs a TLS client handshake over an already connected socket, asking for one key type, and returns
 * the presented chain. Validation is left to the caller: the handshake accepts any certificate.
 * @throws ProbeError TLS_HANDSHAKE_FAILED (or TIMEOUT via the signal).
 */
export function tlsHandshake(
  socket: Socket,
  options: { servername?: string; keyType: KeyType; signal: AbortSignal; initial?: Buffer; requestOCSP?: boolean },
): Promise<HandshakeResult> {
  const tap = new SocketTap(socket, HANDSHAKE_CAPTURE_LIMIT, options.initial);
  let serverHandshakeSecret: Buffer | undefined;
  let ocspStaple: Buffer | undefined;
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = connect({
      socket: tap,
      servername: options.servername,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      secureContext: secureContextFor(options.keyType),
      // Asked only when revocation is checked (docs/revocation.md): otherwise the hello stays as it was.
      ...(options.requestOCSP ? { requestOCSP: true } : {}),
    });
  } catch (cause) {
    tap.destroy();
    throw new ProbeError('TLS_HANDSHAKE_FAILED', `TLS client setup failed: ${(cause as Error).message}`, { cause });
  }
  tlsSocket.on('keylog', (line: Buffer) => {
    const [label, , secret] = line.toString('ascii').trim().split(' ');
    if (label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET' && secret) serverHandshakeSecret = Buffer.from(secret, 'hex');
  });
  if (options.requestOCSP) {
    // Node passes null when the server sent no status.
    tlsSocket.on('OCSPResponse', (response: Buffer | null) => {
      if (response && response.length > 0) ocspStaple = response;
    });
  }

  return new Promise<HandshakeResult>((resolve, reject) => {
    const onAbort = () => fail(new ProbeError('TIMEOUT', 'timed out during the TLS handshake'));
    const cleanup = () => {
      options.signal.removeEventListener('abort', onAbort);
      tlsSocket.removeListener('error', onError);
      tlsSocket.removeListener('close', onClose);
    };
    const fail = (error: ProbeError) => {
      cleanup();
      tlsSocket.destroy();
      reject(error);
    };
    const onError = (error: Error & { code?: string; syscall?: string }) => {
      if (tap.overLimit) {
        fail(new ProbeError('TLS_HANDSHAKE_FAILED', 'the server sent more handshake data than the limit'));
        return;
      }
      const serverBytes = tap.capture;
      const ended = error.code === 'ECONNRESET' && error.syscall === undefined;
      const refusal = helloRefusal(serverBytes, error.code === 'ECONNRESET' ? (ended ? 'close' : 'reset') : undefined);
      const message = ended
        ? `the server closed the connection during the TLS handshake${serverBytes.length === 0 ? ', before any TLS reply' : ''}`
        : describeTlsError(error, serverBytes);
      fail(
        refusal
          ? new HelloRefusedError(message, refusal, { cause: error })
          : new ProbeError('TLS_HANDSHAKE_FAILED', message, { cause: error }),
      );
    };
    const onClose = () => {
      const message = 'the server closed the connection during the TLS handshake';
      const refusal = helloRefusal(tap.capture, 'close');
      fail(refusal ? new HelloRefusedError(message, refusal) : new ProbeError('TLS_HANDSHAKE_FAILED', message));
    };
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once('error', onError);
    tlsSocket.once('close', onClose);
    tlsSocket.once('secureConnect', () => {
      cleanup();
      tap.stopRecording();
      // Later errors (a reset after the handshake) must not crash the process.
      tlsSocket.on('error', () => undefined);
      const protocol = tlsSocket.getProtocol() ?? 'unknown';
      const cipher = tlsSocket.getCipher()?.standardName ?? 'unknown';
      try {
        const chainDer = extractPresentedChain({
          serverBytes: tap.capture,
          protocol,
          cipher,
          serverHandshakeSecret,
        });
        resolve({ tlsSocket, protocol, cipher, chainDer, ...(ocspStaple ? { ocspStaple } : {}) });
      } catch (error) {
        const chainError =
          error instanceof ProbeError ? error : new ProbeError('CHAIN_UNPARSEABLE', String(error), { cause: error });
        resolve({ tlsSocket, protocol, cipher, chainDer: [], chainError });
      }
    });
  });
}

/** How a server turned a ClientHello down without answering it. */
export type HelloRefusal = 'alert 40' | 'close' | 'reset';

/**
 * A handshake the server turned down at the ClientHello, before choosing anything: its only reply was
 * alert 40 (handshake_failure), or it hung up without a byte of TLS. That is what a server holding no
 * certificate of the asked key type does: OpenSSL 3.0 and 3.5 servers and GnuTLS send alert 40, a
 * Python asyncio server (aiosmtpd) closes the connection. Read on the wire, not from OpenSSL's error
 * code, whose spelling changed between the two lines (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE on 3.0,
 * ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE on 3.2+). Code TLS_HANDSHAKE_FAILED: only the prober, which
 * sees whether the other key type succeeded on the same address, may call it KEY_TYPE_UNAVAILABLE.
 */
export class HelloRefusedError extends ProbeError {
  override name = 'HelloRefusedError';

  constructor(
    message: string,
    readonly refusal: HelloRefusal,
    options?: { cause?: unknown },
  ) {
    super('TLS_HANDSHAKE_FAILED', message, options);
  }
}

const HANDSHAKE_FAILURE = 40;

/** The refusal the server's bytes show, if all it sent was a refusal of the ClientHello. */
function helloRefusal(serverBytes: Buffer, hangUp: 'close' | 'reset' | undefined): HelloRefusal | undefined {
  if (serverBytes.length === 0) return hangUp;
  // One plaintext alert record and nothing else.
  const alert = leadingAlert(serverBytes);
  return alert?.alone && alert.description === HANDSHAKE_FAILURE ? 'alert 40' : undefined;
}

/** The alert a server's reply began with, if it did (OpenSSL reports it under names that vary by version). */
function plaintextAlert(serverBytes: Buffer): number | undefined {
  return leadingAlert(serverBytes)?.description;
}

function describeTlsError(error: Error & { code?: string }, serverBytes: Buffer): string {
  switch (plaintextAlert(serverBytes)) {
    case HANDSHAKE_FAILURE:
      return 'the server refused the handshake (alert 40 handshake_failure)';
    case 70:
      return 'the server refused the protocol version (alert 70)';
  }
  switch (error.code) {
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'the server did not answer with TLS (wrong version number)';
    case 'ECONNRESET':
      return 'the server reset the connection during the TLS handshake';
    default:
      return `TLS handshake failed: ${error.message.trim()}${error.code ? ` (${error.code})` : ''}`;
  }
}
