/**
 * A TCP proxy in front of a real loopback server that turns the server's TLS alerts into hang-ups: where
 * the server would answer a ClientHello with an alert record, the client sees the connection closed
 * (FIN) or reset (RST) without a byte of TLS, as from a Python asyncio server such as aiosmtpd.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

/**
 * What the client sees: `close` or `reset` instead of an alert; `close-mid-hello` = on the first connection
 * only, the first 10 bytes of the server's first TLS answer, then a close (a server dying mid-handshake).
 */
export type HangUp = 'close' | 'reset' | 'close-mid-hello';

/** A running proxy. */
export interface HangUpProxy {
  address: string;
  port: number;
  /** Alerts swallowed so far. */
  readonly hangUps: number;
  close(): Promise<void>;
}

const ALERT_RECORD = 0x15;

/**
 * Listens on `address` and forwards each connection to `upstream`. SMTP text never starts with byte
 * 0x15, so a server chunk that does is a TLS alert record.
 */
export async function startHangUpProxy(
  upstream: { address: string; port: number },
  hangUp: HangUp,
  address = '127.0.0.1',
): Promise<HangUpProxy> {
  const sockets = new Set<Socket>();
  let hangUps = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  let connections = 0;
  const server: Server = createServer((client) => {
    track(client);
    const first = connections++ === 0;
    const origin = netConnect({ host: upstream.address, port: upstream.port });
    track(origin);
    client.on('data', (chunk) => origin.write(chunk));
    client.on('end', () => origin.end());
    let swallowed = false;
    client.on('close', () => origin.destroy());
    origin.on('close', () => {
      if (!swallowed) client.destroy();
    });
    origin.on('data', (chunk: Buffer) => {
      if (swallowed) return;
      if (hangUp === 'close-mid-hello') {
        if (!first) {
          client.write(chunk);
          return;
        }
        swallowed = true;
        hangUps += 1;
        origin.destroy();
        client.end(chunk.subarray(0, 10));
        return;
      }
      if (chunk[0] !== ALERT_RECORD) {
        client.write(chunk);
        return;
      }
      swallowed = true;
      hangUps += 1;
      origin.destroy();
      if (hangUp === 'reset') client.resetAndDestroy();
      else client.end();
    });
    origin.on('end', () => {
      if (!swallowed) client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    address,
    port: (server.address() as { port: number }).port,
    get hangUps() {
      return hangUps;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
