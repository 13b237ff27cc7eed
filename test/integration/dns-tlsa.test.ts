import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { lookupTlsa } from '../../lambdas/probe/dns-tlsa';
import { stopChild } from '../support/child-process';

/** A free UDP port on 127.0.0.1 (dnsmasq binds TCP on the same number). */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('TLSA lookups against dnsmasq on loopback (the hand-built query and parser, UDP and TCP)', () => {
  let dnsmasq: ChildProcess | undefined;
  let server = '';

  afterEach(async () => {
    await stopChild(dnsmasq);
  });

  async function start(records: string[]): Promise<void> {
    // The port is free for UDP; its TCP twin may be taken by another suite's connection in between:
    // dnsmasq then exits with "Address already in use", and another port is tried.
    for (let attempt = 0; attempt < 10; attempt++) {
      if (await startOn(await freePort(), records)) return;
    }
    throw new Error('dnsmasq found no free port in 10 tries');
  }

  /** True once dnsmasq answers on `port`; false when the port was taken. */
  async function startOn(port: number, records: string[]): Promise<boolean> {
    server = `127.0.0.1:${port}`;
    dnsmasq = spawn(
      'dnsmasq',
      [
        '--no-daemon',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--conf-file=/dev/null',
        '--local=/test/',
        ...records.map((r) => `--dns-rr=${r}`),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const stderr: Buffer[] = [];
    dnsmasq.stderr?.on('data', (c: Buffer) => stderr.push(c));
    // Ready once it answers: ask until it does (dnsmasq prints nothing when it starts listening).
    // A refused query returns at once, so the asking is paced and bounded by a hang detector of 30 s.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const probe = await lookupTlsa('ready.test', [server], 500);
      if (probe.ok) return true;
      if (dnsmasq.exitCode !== null) {
        const said = Buffer.concat(stderr).toString();
        if (said.includes('Address already in use')) return false;
        throw new Error(`dnsmasq exited: ${said}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('dnsmasq did not answer');
  }

  it('reads a 3 1 1 record, and NXDOMAIN as no records', async () => {
    // Prepare
    const hex = 'ab'.repeat(32);
    await start([`_25._tcp.mx.test,52,030101${hex}`]);

    // Act
    const found = await lookupTlsa('_25._tcp.mx.test', [server], 10_000);
    const none = await lookupTlsa('_25._tcp.other.test', [server], 10_000);

    // Assess
    expect(found).toEqual({ ok: true, value: [{ usage: 3, selector: 1, matchingType: 1, data: hex }] });
    expect(none).toEqual({ ok: true, value: [] });
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const records = Array.from(
      { length: 12 },
      (_, i) => `_25._tcp.big.test,52,030000${i.toString(16).padStart(2, '0').repeat(200)}`,
    );
    await start(records);

    const found = await lookupTlsa('_25._tcp.big.test', [server], 10_000);

    expect(found.ok && found.value.length).toBe(12);
  });
});
