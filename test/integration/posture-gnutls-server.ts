/**
 * A 3DES-capable TLS server for tests: GnuTLS's `gnutls-serv` (Debian `gnutls-bin`; Debian's OpenSSL
 * has no 3DES at all) behind a tiny in-process SMTP STARTTLS front on 127.0.0.1. gnutls-serv binds
 * every interface, so it gets a random high port and is only ever reached through 127.0.0.1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNUTLS_SERV = '/usr/bin/gnutls-serv';
const GNUTLS_CLI = '/usr/bin/gnutls-cli';

/** What a test should say when GnuTLS is missing. */
export const GNUTLS_MISSING_MESSAGE =
  'gnutls-serv is not installed. The 3DES posture test needs it: run `.ci/run` (as root) or ' +
  '`apt-get install -y --no-install-recommends gnutls-bin`.';

/** A running gnutls-serv with its STARTTLS front. */
export interface GnutlsStartTlsServer {
  /** Port of the SMTP front on 127.0.0.1. */
  port: number;
  close(): Promise<void>;
}

/** One suite of a GnuTLS priority string, as `gnutls-cli -l --priority` lists it. */
export interface GnutlsSuite {
  name: string;
  code: number;
  /** Lowest version, e.g. `TLS1.0`, `TLS1.2`, `TLS1.3`. */
  minVersion: string;
}

/** The suites and protocol versions a priority string enables (the oracle of the 3DES test). */
export function gnutlsPriorityList(priority: string): { suites: GnutlsSuite[]; protocols: string[] } {
  if (!existsSync(GNUTLS_CLI)) throw new Error(GNUTLS_MISSING_MESSAGE);
  const out = execFileSync(GNUTLS_CLI, ['-l', '--priority', priority], { encoding: 'utf8' });
  const suites = [...out.matchAll(/^(TLS_\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})\s+(\S+)$/gim)].map((m) => ({
    name: m[1],
    code: Number.parseInt(m[2] + m[3], 16),
    minVersion: m[4],
  }));
  const protocols = (/^Protocols: (.*)$/m.exec(out)?.[1] ?? '').split(', ').map((p) => p.trim());
  return { suites, protocols };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls 127.0.0.1:port until it accepts (gnutls-serv's own "listening" line sits in a stdio buffer). */
async function waitListening(child: ChildProcess, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Serves SMTP up to STARTTLS, then relays the connection to the TLS server on 127.0.0.1:`tlsPort`. */
function startTlsFront(tlsPort: number, sockets: Set<Socket>): Promise<Server> {
  const front = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.write('220 mx.test.example ESMTP gnutls front\r\n');
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const verb = buffer.slice(0, nl).trim().split(' ')[0].toUpperCase();
        buffer = buffer.slice(nl + 1);
        if (verb === 'EHLO') client.write('250-mx.test.example\r\n250 STARTTLS\r\n');
        else if (verb === 'QUIT') client.end('221 bye\r\n');
        else if (verb !== 'STARTTLS') client.write('502 5.5.1 no\r\n');
        else {
          client.removeListener('data', onData);
          const upstream = connect({ host: '127.0.0.1', port: tlsPort }, () => {
            client.write('220 2.0.0 go ahead\r\n');
            client.pipe(upstream).pipe(client);
          });
          sockets.add(upstream);
          upstream.on('error', () => client.destroy());
          upstream.on('close', () => {
            sockets.delete(upstream);
            client.destroy();
          });
          client.on('close', () => upstream.destroy());
          return;
        }
      }
    };
    client.on('data', onData);
  });
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve(front));
  });
}

/**
 * Starts `gnutls-serv --priority PRIORITY` with the given RSA key and chain, and its STARTTLS front.
 * Rejects with {@link GNUTLS_MISSING_MESSAGE} when GnuTLS is not installed. Call `close()` in afterAll.
 */
export async function startGnutlsStartTls(options: {
  keyPem: string;
  chainPem: string;
  priority: string;
}): Promise<GnutlsStartTlsServer> {
  if (!existsSync(GNUTLS_SERV)) throw new Error(GNUTLS_MISSING_MESSAGE);
  const dir = await mkdtemp(join(tmpdir(), 'certwatch-gnutls-'));
  await writeFile(join(dir, 'key.pem'), options.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'chain.pem'), options.chainPem);
  let child: ChildProcess | undefined;
  let tlsPort = 0;
  for (let attempt = 1; attempt <= 3 && !child; attempt++) {
    tlsPort = await freePort();
    const serv = spawn(
      GNUTLS_SERV,
      [
        '-q',
        '-a',
        '--echo',
        '--port',
        String(tlsPort),
        '--priority',
        options.priority,
        '--x509keyfile',
        join(dir, 'key.pem'),
        '--x509certfile',
        join(dir, 'chain.pem'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Drain its output so a full pipe never stalls it.
    serv.stdout?.resume();
    serv.stderr?.resume();
    // A hang detector, not a speed check: gnutls-serv starts slowly on a busy machine (it exits at once when the port is taken).
    if (await waitListening(serv, tlsPort, 30_000)) child = serv;
    else serv.kill('SIGKILL');
  }
  if (!child) {
    await rm(dir, { recursive: true, force: true });
    throw new Error('gnutls-serv did not start listening (3 attempts)');
  }
  const running = child;
  const sockets = new Set<Socket>();
  const front = await startTlsFront(tlsPort, sockets);
  return {
    port: (front.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => front.close(resolve));
      if (running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
