/**
 * Misbehaving SMTP servers on loopback, one behaviour each, for robustness tests.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** A running scripted server. */
export interface ScriptedServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a TCP server that runs `script` for each connection. */
export async function startScriptedServer(
  script: (socket: Socket) => void,
  address = '127.0.0.1',
): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    script(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://${address}:${port}`,
    close: () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads lines and answers each with the result of `reply` (undefined = no answer). */
export function lineServer(greeting: string | null, reply: (line: string, socket: Socket) => string | undefined) {
  return (socket: Socket) => {
    if (greeting !== null) socket.write(greeting);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        const answer = reply(line, socket);
        if (answer !== undefined && !socket.destroyed) socket.write(answer);
      }
    });
  };
}

const EHLO_WITH_STARTTLS = '250-hostile.test at your service\r\n250-PIPELINING\r\n250 STARTTLS\r\n';

/** The hostile-server behaviours the prober must survive, each within its deadline (docs/observation.md). */
export const hostile = {
  /** Accepts and never says a word. */
  silence: () => (_socket: Socket) => undefined,
  /** Sends the greeting one byte every `intervalMs`. */
  drip: (intervalMs: number) => (socket: Socket) => {
    const text = Buffer.from('220 slow.test ESMTP a very slow greeting that never seems to end\r\n');
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= text.length) return clearInterval(timer);
      socket.write(text.subarray(i, ++i));
    }, intervalMs);
    socket.on('close', () => clearInterval(timer));
  },
  /** A greeting of continuation lines that never ends. */
  endlessMultiline: () => (socket: Socket) => {
    const line = Buffer.from('220-still greeting you, please wait\r\n'.repeat(64));
    const pump = () => {
      while (!socket.destroyed && socket.write(line)) {
        /* keep the pipe full until the client gives up */
      }
    };
    socket.on('drain', pump);
    pump();
  },
  /** One line of 1 MB. */
  hugeLine: () => (socket: Socket) => {
    socket.write(`220 ${'x'.repeat(1024 * 1024)}\r\n`);
  },
  /** Refuses service in the greeting. */
  greeting421: () => lineServer('421 4.7.0 Try again later, closing connection.\r\n', () => undefined),
  /** Advertises STARTTLS, then answers it with 454. */
  starttls454: () =>
    lineServer('220 hostile.test ESMTP\r\n', (line) => {
      if (/^EHLO/i.test(line)) return EHLO_WITH_STARTTLS;
      if (/^STARTTLS/i.test(line)) return '454 4.7.0 TLS not available due to local problem\r\n';
      if (/^QUIT/i.test(line)) return '221 bye\r\n';
      return '502 5.5.1 no\r\n';
    }),
  /** Answers STARTTLS with 220, then garbage instead of a TLS ServerHello. */
  garbageTls: () =>
    lineServer('220 hostile.test ESMTP\r\n', (line, socket) => {
      if (/^EHLO/i.test(line)) return EHLO_WITH_STARTTLS;
      if (/^STARTTLS/i.test(line)) {
        socket.write('220 go ahead\r\n');
        socket.once('data', () =>
          socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS at all\r\n')),
        );
      }
      return undefined;
    }),
  /** Answers STARTTLS, reads the ClientHello, then resets the connection. */
  resetMidHandshake: () =>
    lineServer('220 hostile.test ESMTP\r\n', (line, socket) => {
      if (/^EHLO/i.test(line)) return EHLO_WITH_STARTTLS;
      if (/^STARTTLS/i.test(line)) {
        socket.write('220 go ahead\r\n');
        socket.once('data', () => socket.resetAndDestroy());
      }
      return undefined;
    }),
  /** Sends bytes right after the 220 to STARTTLS (a plaintext injection). */
  injectionAfterStarttls: () =>
    lineServer('220 hostile.test ESMTP\r\n', (line) => {
      if (/^EHLO/i.test(line)) return EHLO_WITH_STARTTLS;
      if (/^STARTTLS/i.test(line)) return '220 go ahead\r\n250 injected\r\n';
      return undefined;
    }),
  /** A reply line that is not SMTP. */
  notSmtp: () => lineServer('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n', () => undefined),
};
