/**
 * A small authoritative DNS server on loopback UDP for tests: A, MX, TXT and TLSA records that a test
 * can change between cycles (dnsmasq would need a restart). Unknown names are NXDOMAIN.
 */
import { createSocket, type Socket } from 'node:dgram';

const TYPES = { A: 1, MX: 15, TXT: 16, TLSA: 52 } as const;

/** One record: its type and its RDATA. */
interface Rr {
  type: number;
  rdata: Buffer;
}

/** A running server. */
export interface TestDnsServer {
  /** `127.0.0.x:port`, what `--dns` takes. */
  server: string;
  /** Queries answered so far. */
  readonly queries: number;
  a(name: string, ...addresses: string[]): void;
  mx(name: string, ...hosts: Array<[number, string]>): void;
  txt(name: string, ...texts: string[]): void;
  tlsa(name: string, ...records: string[]): void;
  /** Removes every record of a name. */
  clear(name: string): void;
  close(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'ascii')]),
    Buffer.from([0]),
  ]);
}

function readQuestion(message: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (message[at] !== 0) {
    const length = message[at];
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(at + 1), end: at + 5 };
}

/** Starts the server on `address` (default 127.0.0.1), a free port. */
export async function startTestDns(address = '127.0.0.1'): Promise<TestDnsServer> {
  const zone = new Map<string, Rr[]>();
  const add = (name: string, rr: Rr) => {
    const key = name.toLowerCase().replace(/\.$/, '');
    zone.set(key, [...(zone.get(key) ?? []), rr]);
  };
  let queries = 0;
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, remote) => {
    queries += 1;
    const { name, type, end } = readQuestion(query);
    const records = zone.get(name);
    const answers = (records ?? []).filter((r) => r.type === type);
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (records ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const parts: Buffer[] = [header, query.subarray(12, end)];
    for (const rr of answers) {
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0);
      fixed.writeUInt16BE(rr.type, 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(rr.rdata.length, 10);
      parts.push(fixed, rr.rdata);
    }
    socket.send(Buffer.concat(parts), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const port = socket.address().port;
  return {
    server: `${address}:${port}`,
    get queries() {
      return queries;
    },
    a(name, ...addresses) {
      for (const ip of addresses) add(name, { type: TYPES.A, rdata: Buffer.from(ip.split('.').map(Number)) });
    },
    mx(name, ...hosts) {
      for (const [preference, host] of hosts) {
        const pref = Buffer.alloc(2);
        pref.writeUInt16BE(preference);
        add(name, { type: TYPES.MX, rdata: Buffer.concat([pref, encodeName(host)]) });
      }
    },
    txt(name, ...texts) {
      for (const text of texts) {
        const chunks = text.match(/[\s\S]{1,255}/g) ?? [''];
        add(name, {
          type: TYPES.TXT,
          rdata: Buffer.concat(chunks.flatMap((c) => [Buffer.from([c.length]), Buffer.from(c)])),
        });
      }
    },
    tlsa(name, ...records) {
      for (const record of records) {
        const [u, s, m, ...hex] = record.trim().split(/\s+/);
        add(name, {
          type: TYPES.TLSA,
          rdata: Buffer.concat([Buffer.from([Number(u), Number(s), Number(m)]), Buffer.from(hex.join(''), 'hex')]),
        });
      }
    },
    clear(name) {
      zone.delete(name.toLowerCase());
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
