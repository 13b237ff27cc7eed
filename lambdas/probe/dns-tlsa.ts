/**
 * TLSA lookups (RFC 6698, type 52) with a hand-built DNS query: Node 20 has no `resolveTlsa`. One
 * question over UDP (EDNS0, 1232-byte payload), TCP when the answer is truncated; every exchange has a
 * timeout and a size limit. DNSSEC is not validated (the AD bit is not trusted either): callers say so.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { isIP, Socket } from 'node:net';
import type { Lookup, TlsaRecord } from '../core/policy/model';

const TYPE_TLSA = 52;
const TYPE_OPT = 41;
const MAX_UDP_BYTES = 4096;
const MAX_TCP_BYTES = 64 * 1024;
const UDP_PAYLOAD = 1232;

/** Where to send queries: `[address, port]` pairs. */
export type DnsServer = readonly [string, number];

/** Reads `ADDR`, `ADDR:PORT`, `[V6]:PORT` (the forms of `--dns` and Node's `getServers`). */
export function parseServer(text: string): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return [bracketed[1], Number(bracketed[2] ?? 53)];
  if (isIP(text) === 6) return [text, 53];
  const [address, port] = text.split(':');
  return [address, Number(port ?? 53)];
}

/** The query message for `name` IN TLSA. */
export function buildQuery(id: number, name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .map((label) => Buffer.from(label, 'ascii'));
  if (labels.some((l) => l.length === 0 || l.length > 63)) throw new Error(`"${name}" is not a DNS name`);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // recursion desired
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(1, 10); // one additional record: EDNS0 OPT
  const qname = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(TYPE_TLSA, 0);
  question.writeUInt16BE(1, 2);
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(TYPE_OPT, 1);
  opt.writeUInt16BE(UDP_PAYLOAD, 3);
  return Buffer.concat([header, qname, question, opt]);
}

function skipName(message: Buffer, offset: number): number {
  let at = offset;
  for (let steps = 0; steps < 128; steps++) {
    if (at >= message.length) throw new Error('name runs past the message');
    const length = message[at];
    if ((length & 0xc0) === 0xc0) return at + 2;
    if (length === 0) return at + 1;
    at += 1 + length;
  }
  throw new Error('name too long');
}

/** What a response says: the TLSA records, or the response code, or that it was truncated. */
export type ParsedAnswer = { truncated: true } | { truncated: false; rcode: number; records: TlsaRecord[] };

/** Parses a response to query `id`. @throws Error on a malformed message or a foreign id. */
export function parseResponse(message: Buffer, id: number): ParsedAnswer {
  if (message.length < 12) throw new Error('response shorter than a DNS header');
  if (message.readUInt16BE(0) !== id) throw new Error('response to another query');
  const flags = message.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new Error('not a response');
  if (flags & 0x0200) return { truncated: true };
  const rcode = flags & 0x000f;
  const questions = message.readUInt16BE(4);
  const answers = message.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < questions; i++) at = skipName(message, at) + 4;
  const records: TlsaRecord[] = [];
  for (let i = 0; i < answers; i++) {
    at = skipName(message, at);
    if (at + 10 > message.length) throw new Error('answer runs past the message');
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 8);
    const rdata = at + 10;
    if (rdata + length > message.length) throw new Error('record data runs past the message');
    if (type === TYPE_TLSA && length >= 4) {
      records.push({
        usage: message[rdata],
        selector: message[rdata + 1],
        matchingType: message[rdata + 2],
        data: message.subarray(rdata + 3, rdata + length).toString('hex'),
      });
    }
    at = rdata + length;
  }
  return { truncated: false, rcode, records };
}

function overUdp(server: DnsServer, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server[0]) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    const finish = (error: Error | null, message?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(message as Buffer);
    };
    socket.on('error', (error) => finish(error));
    socket.on('message', (message, remote) => {
      if (remote.address !== server[0] || remote.port !== server[1]) return;
      if (message.length > MAX_UDP_BYTES) finish(new Error(`answer larger than ${MAX_UDP_BYTES} bytes`));
      else finish(null, message);
    });
    socket.send(query, server[1], server[0]);
  });
}

function overTcp(server: DnsServer, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | null, message?: Buffer) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(message as Buffer);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer over TCP in ${timeoutMs} ms`)));
    socket.on('error', (error) => finish(error));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_TCP_BYTES + 2) return finish(new Error(`answer larger than ${MAX_TCP_BYTES} bytes`));
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0))
        finish(null, all.subarray(2, 2 + all.readUInt16BE(0)));
    });
    socket.on('end', () => finish(new Error('connection closed before a whole answer')));
    socket.connect(server[1], server[0], () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
  });
}

const RCODES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 4: 'NOTIMP', 5: 'REFUSED' };

/**
 * The TLSA records at `owner` (e.g. `_25._tcp.mx.example.com`), asking each server in turn. NXDOMAIN
 * and NODATA are an empty list; errors are a TLSA_LOOKUP_FAILED lookup. Never throws.
 */
export async function lookupTlsa(
  owner: string,
  servers: readonly string[],
  timeoutMs: number,
): Promise<Lookup<TlsaRecord[]>> {
  const targets = (servers.length > 0 ? servers : getServers()).map(parseServer);
  const problems: string[] = [];
  for (const server of targets) {
    const id = randomInt(0, 0x10000);
    try {
      const query = buildQuery(id, owner);
      let answer = parseResponse(await overUdp(server, query, timeoutMs), id);
      if (answer.truncated) answer = parseResponse(await overTcp(server, query, timeoutMs), id);
      if (answer.truncated) throw new Error('truncated over TCP');
      if (answer.rcode === 0 || answer.rcode === 3) return { ok: true, value: answer.records };
      problems.push(`${server[0]}:${server[1]} ${RCODES[answer.rcode] ?? `rcode ${answer.rcode}`}`);
    } catch (error) {
      problems.push(`${server[0]}:${server[1]} ${(error as Error).message}`);
    }
  }
  return { ok: false, code: 'TLSA_LOOKUP_FAILED', message: `TLSA ${owner}: ${problems.join('; ') || 'no DNS server'}` };
}
