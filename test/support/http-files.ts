/**
 * A loopback HTTP server for revocation tests: serves CRLs (or any bytes) at paths, counts requests,
 * and can hang on a path (accept, read, never answer) or stream a file from disk.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What a path answers. */
export type Route =
  | { bytes: Buffer; type?: string }
  | { file: string; type?: string }
  | { hang: true }
  | { handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void };

/** A running server. */
export interface HttpFiles {
  port: number;
  /** `http://127.0.0.1:PORT<path>` (or with `host` instead of the address). */
  url(path: string, host?: string): string;
  set(path: string, route: Route): void;
  /** `METHOD path` of every request so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startHttpFiles(): Promise<HttpFiles> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = routes.get(req.url ?? '');
      if (!route) {
        res.writeHead(404).end();
      } else if ('hang' in route) {
        // Never answers: the client's deadline must end it.
      } else if ('handle' in route) {
        route.handle(req, Buffer.concat(chunks), res);
      } else if ('file' in route) {
        res.writeHead(200, { 'content-type': route.type ?? 'application/pkix-crl' });
        createReadStream(route.file).pipe(res);
      } else {
        res.writeHead(200, {
          'content-type': route.type ?? 'application/pkix-crl',
          'content-length': route.bytes.length,
        });
        res.end(route.bytes);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path, host = '127.0.0.1') => `http://${host}:${port}${path}`,
    set: (path, route) => routes.set(path, route),
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
