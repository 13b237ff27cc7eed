/**
 * A real in-process SMTP server on loopback with STARTTLS (or implicit TLS), for tests and the demo.
 * Certificates can be swapped while it runs (rotations), and STARTTLS can be hidden (downgrades).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';

/** One certificate the server can present: key and chain PEM (leaf first, then whatever it sends). */
export interface ServerCert {
  keyPem: string;
  chainPem: string;
}

/** Options of a test server. */
export interface SmtpTestServerOptions {
  /** Loopback address to bind (default 127.0.0.1). */
  address?: string;
  /** 0 = a free port. */
  port?: number;
  mode?: 'starttls' | 'implicit';
  /** One certificate, or one per key type (RSA + ECDSA = a dual-certificate server). */
  certs: ServerCert[];
  hideStartTls?: boolean;
  /** Host name in the greeting and EHLO reply. */
  greeting?: string;
  /** Extra TLS server settings (protocol bounds, ciphers). */
  tls?: {
    minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    ciphers?: string;
  };
}

/** A running test server. */
export interface SmtpTestServer {
  address: string;
  port: number;
  /** `smtp://address:port` or `smtps://address:port`. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  setCerts(certs: ServerCert[]): void;
  /**
   * Makes the server a pool of frontends behind one address: each TLS handshake presents what `pick`
   * returns then (a load-balanced address mid-rollout); null = back to the certificates of `setCerts`.
   */
  setPool(pick: (() => ServerCert[]) | null): void;
  setHideStartTls(hide: boolean): void;
  close(): Promise<void>;
}

function contextFor(certs: ServerCert[], tls: SmtpTestServerOptions['tls']): SecureContext {
  return createSecureContext({
    key: certs.map((c) => c.keyPem),
    cert: certs.map((c) => c.chainPem),
    minVersion: tls?.minVersion,
    maxVersion: tls?.maxVersion,
    ciphers: tls?.ciphers,
  });
}

/** Starts a server; resolves once it listens. */
export async function startSmtpTestServer(options: SmtpTestServerOptions): Promise<SmtpTestServer> {
  const address = options.address ?? '127.0.0.1';
  const mode = options.mode ?? 'starttls';
  const name = options.greeting ?? 'mx.test.example';
  let context = contextFor(options.certs, options.tls);
  let pool: (() => ServerCert[]) | null = null;
  const pooled = new Map<string, SecureContext>();
  const contextNow = (): SecureContext => {
    if (!pool) return context;
    const certs = pool();
    const key = certs.map((c) => c.chainPem).join();
    let found = pooled.get(key);
    if (!found) {
      found = contextFor(certs, options.tls);
      pooled.set(key, found);
    }
    return found;
  };
  let hideStartTls = options.hideStartTls ?? false;
  let connections = 0;
  const sockets = new Set<Socket>();

  const serve = (socket: Socket, secure: boolean) => {
    let buffer = '';
    socket.write(`220 ${name} ESMTP certwatch-test\r\n`);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') {
          const keywords = ['PIPELINING', 'SIZE 35882577', '8BITMIME'];
          if (!secure && !hideStartTls) keywords.push('STARTTLS');
          keywords.push('ENHANCEDSTATUSCODES');
          const lines = [`${name} at your service`, ...keywords];
          socket.write(lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join(''));
        } else if (verb === 'STARTTLS' && !secure && !hideStartTls) {
          socket.removeListener('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n', () => upgrade(socket, () => undefined));
          return;
        } else if (verb === 'QUIT') {
          socket.end('221 2.0.0 closing connection\r\n');
          return;
        } else if (verb === 'HELO' || verb === 'NOOP' || verb === 'RSET') {
          socket.write('250 2.0.0 OK\r\n');
        } else {
          socket.write('502 5.5.1 Unrecognized command\r\n');
        }
      }
    };
    socket.on('data', onData);
  };

  const upgrade = (socket: Socket, then: (tlsSocket: TLSSocket) => void) => {
    const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: contextNow() });
    tlsSocket.on('error', () => socket.destroy());
    tlsSocket.once('secure', () => {
      then(tlsSocket);
      serve(tlsSocket as unknown as Socket, true);
    });
  };

  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (mode === 'implicit') upgrade(socket, () => undefined);
    else serve(socket, false);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    address,
    port,
    url: `${mode === 'implicit' ? 'smtps' : 'smtp'}://${address}:${port}`,
    get connections() {
      return connections;
    },
    setCerts(certs) {
      context = contextFor(certs, options.tls);
    },
    setPool(pick) {
      pool = pick;
    },
    setHideStartTls(hide) {
      hideStartTls = hide;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
