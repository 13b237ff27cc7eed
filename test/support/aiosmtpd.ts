/**
 * A real aiosmtpd (Debian's python3-aiosmtpd) on loopback, for the behaviour of a Python asyncio TLS
 * server: when it cannot serve the ClientHello it closes the connection instead of sending an alert.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Debian's interpreter, which sees Debian's python3-aiosmtpd (a pyenv `python3` first on PATH would not). */
const PYTHON = '/usr/bin/python3';

/** What a test says when aiosmtpd is missing (tests fail with it rather than skip). */
export const AIOSMTPD_MISSING_MESSAGE =
  'aiosmtpd is not installed (Debian python3-aiosmtpd). Run `.ci/run` (as root) or: ' +
  'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-aiosmtpd';

// One server on an ephemeral port: STARTTLS, or implicit TLS (argv[4] == 'implicit'). Prints the port.
const SERVER_SCRIPT = `
import asyncio, ssl, sys
from aiosmtpd.smtp import SMTP
class Handler:
    async def handle_DATA(self, server, session, envelope):
        return '250 OK'
async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    loop = asyncio.get_running_loop()
    implicit = sys.argv[4] == 'implicit'
    factory = (lambda: SMTP(Handler(), hostname='aiosmtpd.test')) if implicit else (
        lambda: SMTP(Handler(), hostname='aiosmtpd.test', tls_context=ctx, require_starttls=False))
    server = await loop.create_server(factory, sys.argv[3], 0, ssl=ctx if implicit else None)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
`;

/** A running aiosmtpd. */
export interface Aiosmtpd {
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts aiosmtpd serving the one certificate in `certFile`/`keyFile` (PEM files).
 * @throws Error with {@link AIOSMTPD_MISSING_MESSAGE} when it is not installed, or when it does not start in time.
 */
export async function startAiosmtpd(options: {
  certFile: string;
  keyFile: string;
  mode: 'starttls' | 'implicit';
  address?: string;
  startTimeoutMs?: number;
}): Promise<Aiosmtpd> {
  if (!existsSync('/usr/lib/python3/dist-packages/aiosmtpd') || !existsSync(PYTHON)) {
    throw new Error(AIOSMTPD_MISSING_MESSAGE);
  }
  const address = options.address ?? '127.0.0.1';
  const child = spawn(PYTHON, ['-c', SERVER_SCRIPT, options.certFile, options.keyFile, address, options.mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`aiosmtpd did not start in time. ${stderr}`), options.startTimeoutMs ?? 20_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      stop(child);
      reject(new Error(why));
    };
    child.once('exit', (code) => fail(`aiosmtpd exited (${code}) before listening. ${stderr}`));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(Number(line));
    });
  });
  return {
    address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        stop(child);
      }),
  };
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
