/**
 * One bounded handshake attempt for the posture enumeration: connect (and STARTTLS), offer a version
 * and a list of suites, read the server's ServerHello or alert, hang up. Node's TLS stack builds the
 * ClientHello for what this OpenSSL implements; a hand-built one covers the rest.
 */
import type { Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { CipherSuite } from '../../core/posture/cipher-suites';
import type { TlsVersion } from '../../core/posture/posture';
import { ProbeError } from '../errors';
import { type Endpoint, openForTls } from '../probe-endpoint';
import { SocketTap } from '../socket-tap';
import { encodeClientHello } from './client-hello';
import { describeAlert, readServerAnswer, type ServerAnswer, versionFromWire } from './server-hello';

/** How a ClientHello is built: by Node's TLS stack, or by hand. */
export type HelloBuilder = 'node' | 'raw';

/** What one attempt showed. */
export type AttemptOutcome =
  /** The server's ServerHello chose this suite at the offered version. */
  | { kind: 'chosen'; suite: CipherSuite }
  /**
   * The server would not: `versionRefused` when the refusal is about the version (alert 70, or a
   * ServerHello at another version); `silent` when it hung up without saying anything.
   */
  | { kind: 'refused'; reason: string; versionRefused: boolean; silent: boolean }
  /** The server answered against the protocol (a suite that was not offered, not TLS at all). */
  | { kind: 'violation'; reason: string }
  /** This client could not build the hello (Node refused the settings); nothing was sent. */
  | { kind: 'cannot-offer'; reason: string }
  /** The connection or the SMTP dialogue failed, or the time ran out: nothing is known. */
  | { kind: 'failed'; error: ProbeError };

/** Settings of an attempt. */
export interface AttemptSettings {
  /** Bound on the whole attempt: connect, SMTP, hello, answer. */
  timeoutMs: number;
  servername?: string;
  ehloName?: string;
  port25Blocked?: boolean;
}

const SERVERNAME_IS_IP = /^[\d.]+$|:/;

/** A whole server flight (16 certificates of 64 KiB) fits: the tap must never cut the ServerHello off. */
const TAP_LIMIT = 1_200_000;

/** Node's `ciphers` string that offers exactly these suites (TLS 1.3 names are set apart by Node). */
export function nodeCipherString(version: TlsVersion, suites: readonly CipherSuite[]): string {
  return version === 'TLSv1.3'
    ? suites.map((s) => s.iana).join(':')
    : `${suites.map((s) => s.openssl).join(':')}:@SECLEVEL=0`;
}

/**
 * Offers `suites` at `version` once. Never throws; always bounded by `settings.timeoutMs`.
 */
export async function attemptHandshake(
  endpoint: Endpoint,
  offer: { version: TlsVersion; suites: readonly CipherSuite[]; builder: HelloBuilder },
  settings: AttemptSettings,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  let socket: Socket | undefined;
  let tlsSocket: TLSSocket | undefined;
  try {
    const opened = await openForTls(endpoint, settings, controller.signal, (s) => {
      socket = s;
    });
    const onTls = (s: TLSSocket) => {
      tlsSocket = s;
    };
    const servername = sniFor(settings.servername ?? endpoint.host);
    return await exchange(
      opened.socket,
      opened.leftover ?? Buffer.alloc(0),
      offer,
      servername,
      controller.signal,
      onTls,
    );
  } catch (error) {
    const probeError =
      error instanceof ProbeError
        ? error
        : new ProbeError('SMTP_PROTOCOL', `unexpected failure: ${(error as Error).message}`, { cause: error });
    return { kind: 'failed', error: probeError };
  } finally {
    clearTimeout(timer);
    tlsSocket?.destroy();
    socket?.destroy();
  }
}

function exchange(
  socket: Socket,
  leftover: Buffer,
  offer: { version: TlsVersion; suites: readonly CipherSuite[]; builder: HelloBuilder },
  servername: string | undefined,
  signal: AbortSignal,
  onTls: (tlsSocket: TLSSocket) => void,
): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let received = leftover;
    const writtenBefore = socket.bytesWritten;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const check = () => {
      const answer = readServerAnswer(received);
      if (answer) settle(classify(answer, offer));
    };
    const hungUp = (error?: Error & { code?: string }) => {
      check();
      if (socket.bytesWritten === writtenBefore && offer.builder === 'node' && error) {
        // Node failed before sending a byte: this client, not the server, said no.
        settle({ kind: 'cannot-offer', reason: `${error.code ?? 'error'}: ${error.message}` });
        return;
      }
      const why = error ? ` (${error.code ?? error.message})` : '';
      settle({
        kind: 'refused',
        reason: `closed the connection without an answer${why}`,
        versionRefused: false,
        silent: true,
      });
    };
    const onAbort = () =>
      settle({
        kind: 'failed',
        error: new ProbeError('TIMEOUT', `no answer to the ${offer.version} ClientHello in time`),
      });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    // Node's TLS layer reacts to the tap's bytes on a later tick: this listener has always seen them first.
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      check();
    };
    socket.on('error', (error) => hungUp(error));
    socket.on('close', () => hungUp());

    if (offer.builder === 'raw') {
      socket.on('data', onData);
      socket.write(
        encodeClientHello({
          version: offer.version as Exclude<TlsVersion, 'TLSv1.3'>,
          suites: offer.suites.map((s) => s.code),
          servername,
        }),
      );
      return;
    }
    // The tap only feeds Node's TLS layer; its limit is the probe's, far above what is read here.
    const tap = new SocketTap(socket, TAP_LIMIT, leftover);
    // Errors reach us through the socket and the TLS layer; an unheard one here must not crash the process.
    tap.on('error', () => undefined);
    socket.on('data', onData);
    let tlsSocket: TLSSocket;
    try {
      tlsSocket = tlsConnect({
        socket: tap,
        servername,
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        minVersion: offer.version,
        maxVersion: offer.version,
        ciphers: nodeCipherString(offer.version, offer.suites),
      });
    } catch (error) {
      // OpenSSL refuses a cipher string with nothing it implements (ERR_SSL_NO_CIPHER_MATCH) synchronously.
      const e = error as Error & { code?: string };
      settle({ kind: 'cannot-offer', reason: `${e.code ?? 'error'}: ${e.message}` });
      return;
    }
    onTls(tlsSocket);
    tlsSocket.on('error', (error: Error & { code?: string }) => hungUp(error));
    tlsSocket.on('close', () => hungUp());
    tlsSocket.on('secureConnect', check);
  });
}

function sniFor(servername: string): string | undefined {
  // SNI carries host names only (RFC 6066 §3).
  return SERVERNAME_IS_IP.test(servername) ? undefined : servername;
}

function classify(
  answer: ServerAnswer,
  offer: { version: TlsVersion; suites: readonly CipherSuite[] },
): AttemptOutcome {
  if (answer.kind === 'garbage') return { kind: 'violation', reason: answer.reason };
  if (answer.kind === 'alert') {
    return {
      kind: 'refused',
      reason: describeAlert(answer.description),
      versionRefused: answer.description === 70,
      silent: false,
    };
  }
  const version = versionFromWire(answer.version);
  if (version !== offer.version) {
    const named = version ?? `0x${answer.version.toString(16).padStart(4, '0')}`;
    return { kind: 'refused', reason: `answered at ${named}`, versionRefused: true, silent: false };
  }
  const suite = offer.suites.find((s) => s.code === answer.suite);
  if (!suite) {
    const code = `0x${answer.suite.toString(16).padStart(4, '0')}`;
    return { kind: 'violation', reason: `the server chose suite ${code}, which was not offered` };
  }
  return { kind: 'chosen', suite };
}
