import type { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { KeyType } from '../core/observation';
import { ProbeError } from './errors';
import { SocketTap } from './socket-tap';
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

/** What a finished handshake gave. */
export interface HandshakeResult {
  tlsSocket: TLSSocket;
  protocol: string;
  cipher: string;
  /** DER certificates exactly as presented, leaf first. */
  chainDer: Buffer[];
  /** Set when the chain could not be read; the handshake itself succeeded. */
  chainError?: ProbeError;
}

/**
 * Runs a TLS client handshake over an already connected socket, asking for one key type, and returns
 * the presented chain. Validation is left to the caller: the handshake accepts any certificate.
 * @throws ProbeError TLS_HANDSHAKE_FAILED (or TIMEOUT via the signal).
 */
export function tlsHandshake(
  socket: Socket,
  options: { servername?: string; keyType: KeyType; signal: AbortSignal; initial?: Buffer },
): Promise<HandshakeResult> {
  const tap = new SocketTap(socket, HANDSHAKE_CAPTURE_LIMIT, options.initial);
  const settings = KEY_TYPE_SETTINGS[options.keyType];
  let serverHandshakeSecret: Buffer | undefined;
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = connect({
      socket: tap,
      servername: options.servername,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1',
      // SECLEVEL=0 so that old servers (TLS 1.0, SHA-1, small keys) still show their certificates.
      ciphers: `${DECRYPTABLE_TLS13_SUITES}:${settings.ciphers}:@SECLEVEL=0`,
      sigalgs: settings.sigalgs,
    });
  } catch (cause) {
    tap.destroy();
    throw new ProbeError('TLS_HANDSHAKE_FAILED', `TLS client setup failed: ${(cause as Error).message}`, { cause });
  }
  tlsSocket.on('keylog', (line: Buffer) => {
    const [label, , secret] = line.toString('ascii').trim().split(' ');
    if (label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET' && secret) serverHandshakeSecret = Buffer.from(secret, 'hex');
  });

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
    const onError = (error: Error & { code?: string }) => {
      if (tap.overLimit) {
        fail(new ProbeError('TLS_HANDSHAKE_FAILED', 'the server sent more handshake data than the limit'));
        return;
      }
      fail(new ProbeError('TLS_HANDSHAKE_FAILED', describeTlsError(error), { cause: error }));
    };
    const onClose = () =>
      fail(new ProbeError('TLS_HANDSHAKE_FAILED', 'the server closed the connection during the TLS handshake'));
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
        resolve({ tlsSocket, protocol, cipher, chainDer });
      } catch (error) {
        const chainError =
          error instanceof ProbeError ? error : new ProbeError('CHAIN_UNPARSEABLE', String(error), { cause: error });
        resolve({ tlsSocket, protocol, cipher, chainDer: [], chainError });
      }
    });
  });
}

/** True for the alert a server sends when it holds no certificate that fits what the client offered. */
export function isHandshakeFailureAlert(error: ProbeError): boolean {
  const cause = error.cause as { code?: string } | undefined;
  return cause?.code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE';
}

function describeTlsError(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'the server refused the handshake (alert 40 handshake_failure)';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'the server did not answer with TLS (wrong version number)';
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
      return 'the server refused the protocol version (alert 70)';
    case 'ECONNRESET':
      return 'the server reset the connection during the TLS handshake';
    default:
      return `TLS handshake failed: ${error.message}${error.code ? ` (${error.code})` : ''}`;
  }
}
