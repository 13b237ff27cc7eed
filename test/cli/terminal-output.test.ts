import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/certwatch.js');
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the terminal's escape sequences is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Runs a shell command in a pseudo-terminal (util-linux `script`) and returns everything it drew. */
function inTerminal(command: string, env: NodeJS.ProcessEnv = {}): Promise<{ screen: string; code: number | null }> {
  return new Promise((done) => {
    const terminal = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    terminal.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    terminal.on('close', (code) => done({ screen, code }));
  });
}

describe('human output on a terminal: progress, colour, width (real CLI in a pseudo-terminal)', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // A server that accepts and never greets: the probe hangs until its deadline.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready));
    port = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((closed) => silent.close(closed));
  });

  const probe = () => `node ${BIN} probe smtp://127.0.0.1:${port} --key-types rsa --timeout 1500`;

  it('shows done/total and the slowest target in flight while a probe hangs, then clears the line', async () => {
    // Act
    const { screen, code } = await inTerminal(`stty cols 150; ${probe()}`);

    // Assess
    expect(code).toBe(1);
    expect(screen).toMatch(
      new RegExp(
        `probing 0/1 · slowest in flight: smtp://127\\.0\\.0\\.1:${port} 127\\.0\\.0\\.1 rsa \\(\\d+\\.\\d s\\)`,
      ),
    );
    const afterProgress = screen.slice(screen.lastIndexOf('\r\x1b[K') + 4);
    expect(afterProgress.replace(ANSI, '')).toMatch(/^TARGET\s+ADDRESS/);
    expect(screen).toContain('\x1b[31m');
  });

  it('draws no colour when NO_COLOR is set, and still shows progress', async () => {
    // Act
    const { screen } = await inTerminal(probe(), { NO_COLOR: '1' });

    // Assess
    expect(screen).toContain('probing 0/1');
    expect(screen).not.toContain('\x1b[31m');
  });

  it('fits the table to a narrow terminal, keeping the failure reason whole below it', async () => {
    // Act
    const { screen } = await inTerminal(`stty cols 80; ${probe()}`);

    // Assess
    const table = screen.slice(screen.lastIndexOf('\r\x1b[K') + 4).replace(ANSI, '');
    const lines = table.split(/\r?\n/).filter((line) => line.startsWith('TARGET') || line.startsWith('smtp://'));
    expect(lines.length).toBe(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(table).toMatch(/TIMEOUT — timed out/);
  });

  it('writes nothing but the table when its output is piped', async () => {
    // Act: stdout and stderr both go to a pipe inside the terminal.
    const { screen } = await inTerminal(`${probe()} 2>&1 | cat`);

    // Assess
    expect(screen).not.toContain('probing');
    expect(screen).not.toContain('\x1b[');
    expect(screen).toMatch(/TIMEOUT/);
  });
});
