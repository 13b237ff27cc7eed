/**
 * The hand-built ClientHello and the ServerHello reader: byte layout, and a real TLS server (Node's
 * OpenSSL, on loopback) as the oracle that the hello is well-formed and the answer is read right.
 */
import { connect, createServer, type Server } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { encodeClientHello } from '../../lambdas/probe/posture/client-hello';
import { readServerAnswer, type ServerAnswer } from '../../lambdas/probe/posture/server-hello';
import { createChain, type TestChain } from '../support/pki';

const RANDOM = Buffer.alloc(32, 0xab);

/** Splits a ClientHello record into its fields (independently of the encoder's helpers). */
function decode(record: Buffer) {
  const body = record.subarray(9);
  let offset = 34;
  const sessionLength = body[offset];
  offset += 1 + sessionLength;
  const suitesLength = body.readUInt16BE(offset);
  const suites: number[] = [];
  for (let i = 0; i < suitesLength; i += 2) suites.push(body.readUInt16BE(offset + 2 + i));
  offset += 2 + suitesLength;
  const compression = [...body.subarray(offset + 1, offset + 1 + body[offset])];
  offset += 1 + body[offset];
  const extensionsEnd = offset + 2 + body.readUInt16BE(offset);
  offset += 2;
  const extensions = new Map<number, Buffer>();
  while (offset < extensionsEnd) {
    const length = body.readUInt16BE(offset + 2);
    extensions.set(body.readUInt16BE(offset), body.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return {
    recordType: record[0],
    recordLength: record.readUInt16BE(3),
    handshakeType: record[5],
    handshakeLength: record.readUIntBE(6, 3),
    version: body.readUInt16BE(0),
    random: body.subarray(2, 34),
    sessionLength,
    suites,
    compression,
    extensions,
    end: offset,
    bodyLength: body.length,
  };
}

describe('encodeClientHello', () => {
  it('lays out one handshake record with the offered version, suites and extensions', () => {
    // Act
    const hello = encodeClientHello({
      version: 'TLSv1.2',
      suites: [0x000a, 0xc012],
      servername: 'mx.example.test',
      random: RANDOM,
    });
    const fields = decode(hello);

    // Assess
    expect(fields).toMatchObject({
      recordType: 22,
      recordLength: hello.length - 5,
      handshakeType: 1,
      handshakeLength: hello.length - 9,
      version: 0x0303,
      sessionLength: 0,
      suites: [0x000a, 0xc012],
      compression: [0],
    });
    expect(fields.random).toEqual(RANDOM);
    expect(fields.end).toBe(fields.bodyLength);
    expect([...fields.extensions.keys()]).toEqual([0x0000, 0x000a, 0x000b, 0x000d, 0x0017, 0xff01]);
    expect(fields.extensions.get(0x0000)?.subarray(5).toString()).toBe('mx.example.test');
    expect([...(fields.extensions.get(0xff01) ?? [])]).toEqual([0]);
  });

  it('sends no SNI for an address and no signature_algorithms before TLS 1.2', () => {
    // Act
    const fields = decode(encodeClientHello({ version: 'TLSv1', suites: [0x000a], servername: '192.0.2.1' }));

    // Assess
    expect(fields.version).toBe(0x0301);
    expect(fields.extensions.has(0x0000)).toBe(false);
    expect(fields.extensions.has(0x000d)).toBe(false);
  });

  it('refuses an empty suite list', () => {
    // Act
    const encode = () => encodeClientHello({ version: 'TLSv1.2', suites: [] });

    // Assess
    expect(encode).toThrow(RangeError);
  });
});

describe('readServerAnswer', () => {
  const record = (type: number, body: Buffer) =>
    Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
  const serverHello = (options: { version?: number; random?: Buffer; suite: number; extensions?: Buffer }) => {
    const exts = options.extensions ?? Buffer.alloc(0);
    const body = Buffer.concat([
      Buffer.from([(options.version ?? 0x0303) >> 8, (options.version ?? 0x0303) & 0xff]),
      options.random ?? RANDOM,
      Buffer.from([0, options.suite >> 8, options.suite & 0xff, 0, exts.length >> 8, exts.length & 0xff]),
      exts,
    ]);
    return Buffer.concat([Buffer.from([2, 0, body.length >> 8, body.length & 0xff]), body]);
  };

  it('reads version and suite from a ServerHello split across two records, and waits while incomplete', () => {
    // Prepare
    const message = serverHello({ suite: 0x000a });
    const bytes = Buffer.concat([record(22, message.subarray(0, 10)), record(22, message.subarray(10))]);

    // Act
    const partial = readServerAnswer(bytes.subarray(0, bytes.length - 3));
    const whole = readServerAnswer(bytes);

    // Assess
    expect(partial).toBeUndefined();
    expect(whole).toEqual({ kind: 'hello', version: 0x0303, suite: 0x000a, helloRetry: false });
  });

  it('takes the TLS 1.3 version from supported_versions and recognises a HelloRetryRequest', () => {
    // Prepare
    const hrr = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
    const supportedVersions = Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);

    // Act
    const answer = readServerAnswer(
      record(22, serverHello({ suite: 0x1302, random: hrr, extensions: supportedVersions })),
    );

    // Assess
    expect(answer).toEqual({ kind: 'hello', version: 0x0304, suite: 0x1302, helloRetry: true });
  });

  it.each([
    ['an alert', record(21, Buffer.from([2, 40])), { kind: 'alert', level: 2, description: 40 }],
    ['SMTP text', Buffer.from('454 4.7.0 TLS not available\r\n'), { kind: 'garbage' }],
    ['a Certificate before any ServerHello', record(22, Buffer.from([11, 0, 0, 0])), { kind: 'garbage' }],
  ])('classifies %s', (_what, bytes, expected) => {
    // Act
    const answer = readServerAnswer(bytes);

    // Assess
    expect(answer).toMatchObject(expected);
  });
});

describe('a real TLS server answering the hand-built ClientHello', () => {
  let chain: TestChain;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    chain = await createChain({ keyType: 'rsa', hostnames: ['mx.example.test'] });
    const context = createSecureContext({
      key: chain.leaf.keyPem,
      cert: chain.chainPem,
      minVersion: 'TLSv1.1',
      ciphers: 'AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0',
    });
    server = createServer((socket) => {
      const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
      tls.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const exchange = (hello: Buffer) =>
    new Promise<ServerAnswer | undefined>((resolve) => {
      let received = Buffer.alloc(0);
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write(hello));
      const timer = setTimeout(() => done(undefined), 5000);
      const done = (answer: ServerAnswer | undefined) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      };
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const answer = readServerAnswer(received);
        if (answer) done(answer);
      });
      socket.on('error', () => done(readServerAnswer(received)));
      socket.on('close', () => done(readServerAnswer(received)));
    });

  it.each([
    ['TLSv1.2', 0x0303],
    ['TLSv1.1', 0x0302],
  ] as const)('gets a ServerHello choosing the one suite they share at %s', async (version, wire) => {
    // Prepare: 3DES and RC4 first, which this server cannot choose
    const hello = encodeClientHello({ version, suites: [0x000a, 0x0005, 0x002f], servername: 'mx.example.test' });

    // Act
    const answer = await exchange(hello);

    // Assess
    expect(answer).toEqual({ kind: 'hello', version: wire, suite: 0x002f, helloRetry: false });
  });

  it('gets handshake_failure when no suite is shared', async () => {
    // Act
    const answer = await exchange(encodeClientHello({ version: 'TLSv1.2', suites: [0x000a, 0xc012] }));

    // Assess
    expect(answer).toEqual({ kind: 'alert', level: 2, description: 40 });
  });

  it('gets protocol_version for a version the server refuses', async () => {
    // Act
    const answer = await exchange(encodeClientHello({ version: 'TLSv1', suites: [0x002f] }));

    // Assess
    expect(answer).toEqual({ kind: 'alert', level: 2, description: 70 });
  });
});
