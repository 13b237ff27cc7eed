import { isIP, isIPv6, connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { KeyType, SmtpInfo, TlsInfo, TlsMode } from '../core/observation';
import { ProbeError } from './errors';
import { negotiateStartTls, readGreetingOverTls } from './smtp-dialogue';
import { tlsHandshake } from './tls-handshake';

/** One address of one target. */
export interface Endpoint {
  host: string;
  port: number;
  mode: TlsMode;
  address: string;
}

/** Settings of a single probe. */
export interface EndpointProbeSettings {
  keyType: KeyType;
  timeoutMs: number;
  servername?: string;
  ehloName?: string;
  port25Blocked?: boolean;
  /** Ask the server to staple an OCSP response (revocation on). */
  requestOCSP?: boolean;
}

/** What one probe saw on the wire, before any parsing of certificates. */
export interface RawProbe {
  error?: ProbeError;
  smtp: SmtpInfo;
  tls: TlsInfo;
  /** DER as presented, leaf first (empty on failure). */
  chainDer: Buffer[];
  /** The stapled OCSP response, when asked for and sent. */
  ocspStaple?: Buffer;
  durationMs: number;
}

const SERVERNAME_IS_IP = /^[\d.]+$|:/;

/** Servers greet as soon as the handshake is done; longer silence is not worth the probe's deadline. */
const GREETING_OVER_TLS_WAIT_MS = 2000;

/**
 * Probes one endpoint for one key type: TCP, SMTP STARTTLS (or implicit TLS), handshake, QUIT.
 * Never throws: every failure comes back classified in `error`. The whole probe is bounded by
 * `timeoutMs`, whatever the server does.
 */
export async function probeEndpoint(endpoint: Endpoint, settings: EndpointProbeSettings): Promise<RawProbe> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  const signal = controller.signal;
  const result: RawProbe = {
    // STARTTLS offered in the EHLO reply: an implicit-TLS (smtps) probe never asks, so never sees it.
    smtp: { banner: null, ehlo: [], starttls: false },
    tls: { protocol: null, cipher: null },
    chainDer: [],
    durationMs: 0,
  };
  let socket: Socket | undefined;
  try {
    const opened = await openForTls(endpoint, settings, signal, (s) => {
      socket = s;
    });
    if (opened.smtp) result.smtp = opened.smtp;
    const initial = opened.leftover;
    const servername = settings.servername ?? endpoint.host;
    const handshake = await tlsHandshake(opened.socket, {
      keyType: settings.keyType,
      // SNI carries host names only (RFC 6066 §3).
      servername: SERVERNAME_IS_IP.test(servername) ? undefined : servername,
      signal,
      initial,
      requestOCSP: settings.requestOCSP,
    });
    result.tls = { protocol: handshake.protocol, cipher: handshake.cipher };
    result.chainDer = handshake.chainDer;
    if (handshake.ocspStaple) result.ocspStaple = handshake.ocspStaple;
    if (handshake.chainError) result.error = handshake.chainError;
    if (endpoint.mode === 'implicit') {
      // The greeting is for the record: a server that sends none must not cost the probe its deadline.
      const wait = AbortSignal.any([signal, AbortSignal.timeout(greetingWaitMs(settings.timeoutMs))]);
      result.smtp.banner = await readGreetingOverTls(handshake.tlsSocket as unknown as Socket, wait);
    }
    handshake.tlsSocket.end('QUIT\r\n');
    handshake.tlsSocket.destroySoon();
  } catch (error) {
    const smtp = (error as { smtp?: SmtpInfo }).smtp;
    if (smtp) result.smtp = smtp;
    result.error =
      error instanceof ProbeError
        ? error
        : new ProbeError('SMTP_PROTOCOL', `unexpected failure: ${(error as Error).message}`, { cause: error });
    if (socket && !socket.destroyed) {
      if (result.error.code === 'STARTTLS_NOT_OFFERED' || result.error.code === 'STARTTLS_REFUSED') {
        socket.end('QUIT\r\n');
        socket.destroySoon();
      } else {
        socket.destroy();
      }
    }
  } finally {
    clearTimeout(timer);
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** How long an implicit-TLS probe waits for the greeting after its handshake: briefly, within the deadline. */
export function greetingWaitMs(timeoutMs: number): number {
  return Math.min(GREETING_OVER_TLS_WAIT_MS, Math.ceil(timeoutMs / 4));
}

/**
 * Connects and, for STARTTLS targets, runs the SMTP dialogue up to the point where the TLS client
 * hello may be sent. `onSocket` receives the socket as soon as it exists, so the caller can close it
 * whatever happens next.
 * @throws ProbeError (with `smtp` facts attached when the dialogue failed)
 */
export async function openForTls(
  endpoint: Endpoint,
  settings: { ehloName?: string; port25Blocked?: boolean },
  signal: AbortSignal,
  onSocket: (socket: Socket) => void,
): Promise<{ socket: Socket; smtp?: SmtpInfo; leftover?: Buffer }> {
  const socket = await connectTcp(endpoint, settings, signal);
  onSocket(socket);
  if (endpoint.mode !== 'starttls') return { socket };
  const outcome = await negotiateStartTls(socket, settings.ehloName ?? ehloNameFor(socket), signal);
  return { socket, smtp: outcome.smtp, leftover: outcome.leftover };
}

function connectTcp(endpoint: Endpoint, settings: { port25Blocked?: boolean }, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: endpoint.address, port: endpoint.port });
    socket.setNoDelay(true);
    const onAbort = () => {
      socket.destroy();
      if (endpoint.port === 25 && settings.port25Blocked) {
        reject(
          new ProbeError(
            'EGRESS_BLOCKED',
            `no answer from ${endpoint.address}:25 — outbound port 25 is blocked where this runs (e.g. Lambda outside a VPC)`,
          ),
        );
      } else {
        reject(new ProbeError('CONNECT_TIMEOUT', `no TCP answer from ${formatAddress(endpoint)} in time`));
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: Error & { code?: string }) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      const where = formatAddress(endpoint);
      if (error.code === 'ECONNREFUSED') {
        reject(new ProbeError('CONNECT_REFUSED', `connection refused by ${where}`, { cause: error }));
      } else if (error.code === 'ETIMEDOUT') {
        reject(new ProbeError('CONNECT_TIMEOUT', `no TCP answer from ${where} in time`, { cause: error }));
      } else {
        reject(
          new ProbeError('CONNECT_REFUSED', `cannot connect to ${where}: ${error.code ?? error.message}`, {
            cause: error,
          }),
        );
      }
    });
  });
}

/** EHLO argument: this machine's FQDN, else an address literal (RFC 5321 §4.1.3). */
export function ehloNameFor(socket: Socket): string {
  const name = hostname();
  // A host name that is really an address (some containers and sandboxes) must be sent as a literal.
  if (name.includes('.') && !name.endsWith('.local') && isIP(name) === 0) return name;
  const local = socket.localAddress ?? '127.0.0.1';
  return isIPv6(local) ? `[IPv6:${local}]` : `[${local}]`;
}

function formatAddress(endpoint: Endpoint): string {
  return isIPv6(endpoint.address) ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}
