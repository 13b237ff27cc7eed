/**
 * A small authoritative DNS server on loopback UDP for tests: answers A, AAAA and MX from a zone the
 * test edits while it runs; unknown names are NXDOMAIN, known names without the asked type NODATA.
 * It can also answer SERVFAIL to everything (a broken resolver). Enough for Node's c-ares resolver.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

/** Records of one name. */
export interface DnsRecords {
  a?: string[];
  aaaa?: string[];
  mx?: Array<{ preference: number; exchange: string }>;
}

/** A running test DNS server. */
export interface TestDnsServer {
  /** `127.0.0.x:PORT`, as `--dns` takes it. */
  server: string;
  /** Names (lowercase, no trailing dot) and their records; edit freely. */
  zone: Map<string, DnsRecords>;
  /** `answer` (default) or `servfail` to every query. */
  mode: 'answer' | 'servfail';
  /** Queries received, as `TYPE name`. */
  readonly queries: string[];
  close(): Promise<void>;
}

const TYPE = { A: 1, MX: 15, AAAA: 28 } as const;
const TYPE_NAMES: Record<number, string> = { 1: 'A', 15: 'MX', 28: 'AAAA' };

/** Starts the server on `address` (default 127.0.0.1), a free UDP port. */
export async function startTestDnsServer(address = '127.0.0.1'): Promise<TestDnsServer> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  const state: TestDnsServer = {
    server: '',
    zone: new Map(),
    mode: 'answer',
    queries,
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
  socket.on('message', (message: Buffer, peer: RemoteInfo) => {
    const reply = answer(message, state);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((ready, fail) => {
    socket.once('error', fail);
    socket.bind(0, address, () => ready());
  });
  state.server = `${address}:${socket.address().port}`;
  return state;
}

function answer(message: Buffer, state: TestDnsServer): Buffer | null {
  if (message.length < 12) return null;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  const { name, end } = readName(message, 12);
  if (end + 4 > message.length) return null;
  const type = message.readUInt16BE(end);
  const question = message.subarray(12, end + 4);
  state.queries.push(`${TYPE_NAMES[type] ?? type} ${name}`);
  const records = state.zone.get(name);
  const rcode = state.mode === 'servfail' ? 2 : records ? 0 : 3;
  const answers = rcode === 0 && records ? answersFor(type, records) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  // QR, opcode 0, AA, RD copied, RA, rcode.
  header.writeUInt16BE(0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
}

function answersFor(type: number, records: DnsRecords): Buffer[] {
  if (type === TYPE.A) return (records.a ?? []).map((ip) => rr(type, Buffer.from(ip.split('.').map(Number))));
  if (type === TYPE.AAAA) return (records.aaaa ?? []).map((ip) => rr(type, ipv6Bytes(ip)));
  if (type === TYPE.MX) {
    return (records.mx ?? []).map((mx) => {
      const preference = Buffer.alloc(2);
      preference.writeUInt16BE(mx.preference);
      return rr(type, Buffer.concat([preference, encodeName(mx.exchange)]));
    });
  }
  return [];
}

/** One answer record whose name points at the question (offset 12). */
function rr(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (at < message.length && message[at] !== 0) {
    const length = message[at];
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(ip: string): Buffer {
  if (isIP(ip) !== 6) throw new Error(`${ip} is not an IPv6 address`);
  const [head, tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const groups = [...parts(head), ...Array(8 - parts(head).length - parts(tail).length).fill('0'), ...parts(tail)];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
