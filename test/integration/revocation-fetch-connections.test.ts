/**
 * Each revocation fetch opens its own connection (lambdas/probe/http-fetch.ts): a keep-alive socket kept
 * from an earlier fetch may be dead by the time it is reused (the server's idle timeout, a Lambda freeze,
 * a NAT), and reusing it fails with ECONNRESET. A real loopback server plays the dead connection: it
 * answers the first request of a connection and resets the connection at its second.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { httpFetch } from '../../lambdas/probe/http-fetch';

let server: Server;
let port: number;
const connections: Socket[] = [];

beforeAll(async () => {
  const served = new WeakMap<Socket, number>();
  server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (n > 1) {
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': '3' }).end('crl');
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

it('fetches twice from one server on two connections, so a dead kept-alive one is never reused', async () => {
  // Prepare
  const fetchOnce = () => {
    const chunks: Buffer[] = [];
    const done = httpFetch(`http://127.0.0.1:${port}/wr2/shard.crl`, {
      timeoutMs: 30_000,
      maxBytes: 1024,
      onData: (chunk) => chunks.push(chunk),
    });
    return done.then((result) => ({ status: result.status, body: Buffer.concat(chunks).toString() }));
  };

  // Act
  const first = await fetchOnce();
  const second = await fetchOnce();

  // Assess
  expect([first, second]).toEqual([
    { status: 200, body: 'crl' },
    { status: 200, body: 'crl' },
  ]);
  expect(connections).toHaveLength(2);
});
