/**
 * The CT reader's transport against a real loopback HTTP server that drops a kept-alive connection as it
 * is reused (what a log's front end, or Node's own server after its keep-alive timeout, does).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { openCtHttp } from '../../lambdas/ct/http';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server answering the first request of each connection and dropping the connection at the second. */
async function dropOnReuse(): Promise<{ url: string; connections: () => number }> {
  const served = new WeakMap<Socket, number>();
  let connections = 0;
  server = createServer((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (count > 1) {
      req.socket.destroy();
      return;
    }
    res.end('checkpoint');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/log/checkpoint`, connections: () => connections };
}

test('a kept-alive connection dropped as it is reused is retried once on a new connection', async () => {
  // Prepare
  const { url, connections } = await dropOnReuse();
  const http = openCtHttp({ maxSockets: 1 });
  const limits = { timeoutMs: 60_000, maxBytes: 1024 };

  try {
    // Act
    const first = await http.get(url, limits);
    const second = await http.get(url, limits);

    // Assess
    expect([first.body.toString(), second.body.toString()]).toEqual(['checkpoint', 'checkpoint']);
    expect(connections()).toBe(2);
  } finally {
    http.close();
  }
});

test('a connection refused on a fresh socket is not retried: the error names the URL', async () => {
  // Prepare: a port that was just free
  const { url } = await dropOnReuse();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
  const http = openCtHttp();

  try {
    // Act
    const attempt = http.get(url, { timeoutMs: 60_000, maxBytes: 1024 });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'CT_NETWORK', message: expect.stringContaining(url) });
  } finally {
    http.close();
  }
});
