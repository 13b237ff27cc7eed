/**
 * Proves the private-Postfix harness with openssl alone (no certwatch code): what the harness claims
 * to serve is what an independent client sees.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { OpensslError, opensslFingerprint, opensslShowCerts, opensslSpkiPin } from '../support/openssl';
import { createChain, type TestChain } from '../support/pki';
import { type PostfixChain, type PostfixInstance, smtpEhlo, startPostfix } from '../support/postfix';

const HOST = 'mx.certwatch.test';

function served(chain: TestChain): PostfixChain {
  return { keyPem: chain.leaf.keyPem, chainPem: chain.chainPem };
}

function listener(instance: PostfixInstance, mode: 'starttls' | 'implicit' | 'none') {
  const found = instance.listeners.find((l) => l.mode === mode);
  if (!found) throw new Error(`no ${mode} listener`);
  return found;
}

function connects(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect({ host: address, port });
  });
}

let rsa: TestChain;
let ecdsa: TestChain;

beforeAll(async () => {
  [rsa, ecdsa] = await Promise.all([
    createChain({ keyType: 'rsa', hostnames: [HOST] }),
    createChain({ keyType: 'ecdsa', hostnames: [HOST] }),
  ]);
});

describe('a dual RSA + ECDSA Postfix', () => {
  let postfix: PostfixInstance | undefined;

  beforeAll(async () => {
    postfix = await startPostfix({
      listeners: [
        { address: '127.0.0.1', port: 0, mode: 'starttls' },
        { address: '127.0.0.2', port: 0, mode: 'implicit' },
        { address: '127.0.0.1', port: 0, mode: 'none' },
      ],
      chains: [served(rsa), served(ecdsa)],
    });
  });

  afterAll(async () => {
    await postfix?.stop();
  });

  test.each(['starttls', 'implicit'] as const)(
    'the %s listener serves the RSA chain to an RSA-only client and the ECDSA chain to an ECDSA-only client',
    async (mode) => {
      // Prepare
      const { address, port } = listener(postfix as PostfixInstance, mode);

      // Act
      const seenRsa = await opensslShowCerts({ address, port, mode, keyType: 'rsa', servername: HOST });
      const seenEcdsa = await opensslShowCerts({ address, port, mode, keyType: 'ecdsa', servername: HOST });

      // Assess
      expect(seenRsa.sha256).toEqual([rsa.leaf.sha256, rsa.intermediate.sha256]);
      expect(seenEcdsa.sha256).toEqual([ecdsa.leaf.sha256, ecdsa.intermediate.sha256]);
      expect(seenRsa.chainDer[0].equals(rsa.leaf.der)).toBe(true);
      expect(seenEcdsa.protocol).toBe('TLSv1.3');
    },
  );

  test.each(['starttls', 'implicit'] as const)(
    'over TLS 1.2 the %s listener picks the certificate by suite and openssl reports IANA suite names',
    async (mode) => {
      // Prepare
      const { address, port } = listener(postfix as PostfixInstance, mode);

      // Act
      const seenRsa = await opensslShowCerts({ address, port, mode, keyType: 'rsa', extraArgs: ['-tls1_2'] });
      const seenEcdsa = await opensslShowCerts({ address, port, mode, keyType: 'ecdsa', extraArgs: ['-tls1_2'] });

      // Assess
      expect(seenRsa.sha256[0]).toBe(rsa.leaf.sha256);
      expect(seenEcdsa.sha256[0]).toBe(ecdsa.leaf.sha256);
      expect(seenRsa.protocol).toBe('TLSv1.2');
      expect(seenRsa.cipher).toMatch(/^TLS_ECDHE_RSA_WITH_/);
      expect(seenEcdsa.cipher).toMatch(/^TLS_ECDHE_ECDSA_WITH_/);
      expect(seenEcdsa.cipherOpenssl).toMatch(/^ECDHE-ECDSA-/);
    },
  );

  test('a listener in mode none does not advertise STARTTLS, while the starttls listener does', async () => {
    // Prepare
    const plain = listener(postfix as PostfixInstance, 'none');
    const tls = listener(postfix as PostfixInstance, 'starttls');

    // Act
    const withoutTls = await smtpEhlo({ address: plain.address, port: plain.port });
    const withTls = await smtpEhlo({ address: tls.address, port: tls.port });

    // Assess
    expect(withoutTls.banner).toMatch(new RegExp(`^220 ${HOST} `));
    expect(withoutTls.ehlo[0]).toBe(HOST);
    expect(withoutTls.starttls).toBe(false);
    expect(withTls.starttls).toBe(true);
    await expect(opensslShowCerts({ address: plain.address, port: plain.port, mode: 'starttls' })).rejects.toThrow(
      OpensslError,
    );
  });

  test('the openssl helpers agree with the generated certificates', () => {
    // Prepare
    const spkiDer = Buffer.from(ecdsa.leaf.cert.publicKey.rawData);

    // Act
    const fromPem = opensslFingerprint(ecdsa.leaf.certPem);
    const fromDer = opensslFingerprint(ecdsa.leaf.der);
    const pin = opensslSpkiPin(ecdsa.leaf.certPem);

    // Assess
    expect(fromPem).toBe(ecdsa.leaf.sha256);
    expect(fromDer).toBe(ecdsa.leaf.sha256);
    expect(pin).toBe(createHash('sha256').update(spkiDer).digest('base64'));
    expect(opensslSpkiPin(rsa.leaf.der)).not.toBe(pin);
  });
});

describe('reconfiguring a running Postfix', () => {
  let postfix: PostfixInstance | undefined;

  beforeAll(async () => {
    postfix = await startPostfix({
      listeners: [
        { address: '127.0.0.1', port: 0, mode: 'starttls' },
        { address: '127.0.0.2', port: 0, mode: 'implicit' },
      ],
      chains: [served(rsa)],
    });
  });

  afterAll(async () => {
    await postfix?.stop();
  });

  test('a new chain is what openssl sees after reconfigure, on the same ports', async () => {
    // Prepare
    const instance = postfix as PostfixInstance;
    const before = instance.listeners.map((l) => l.port);
    const rotated = await createChain({
      keyType: 'rsa',
      hostnames: [HOST],
      root: rsa.root,
      intermediate: rsa.intermediate,
    });
    const { address, port } = listener(instance, 'starttls');
    expect((await opensslShowCerts({ address, port, mode: 'starttls' })).sha256[0]).toBe(rsa.leaf.sha256);

    // Act
    await instance.reconfigure({ chains: [served(rotated)] });

    // Assess
    for (const mode of ['starttls', 'implicit'] as const) {
      const target = listener(instance, mode);
      const seen = await opensslShowCerts({ address: target.address, port: target.port, mode });
      expect(seen.sha256).toEqual([rotated.leaf.sha256, rsa.intermediate.sha256]);
    }
    expect(instance.listeners.map((l) => l.port)).toEqual(before);
  });

  test("protocols '>=TLSv1.2' makes a TLS 1.1 handshake fail where it succeeded before", async () => {
    // Prepare
    const instance = postfix as PostfixInstance;
    const legacy = { cipher: 'DEFAULT:@SECLEVEL=0', extraArgs: ['-tls1_1'] };
    const { address, port } = listener(instance, 'starttls');
    const accepted = await opensslShowCerts({ address, port, mode: 'starttls', ...legacy });
    expect(accepted.protocol).toBe('TLSv1.1');

    // Act
    await instance.reconfigure({ protocols: '>=TLSv1.2' });

    // Assess
    for (const mode of ['starttls', 'implicit'] as const) {
      const target = listener(instance, mode);
      const attempt = opensslShowCerts({ address: target.address, port: target.port, mode, ...legacy });
      await expect(attempt).rejects.toThrow(/alert protocol version/);
      const modern = await opensslShowCerts({
        address: target.address,
        port: target.port,
        mode,
        extraArgs: ['-tls1_2'],
      });
      expect(modern.protocol).toBe('TLSv1.2');
    }
  });
});

describe('Postfix instance lifecycle', () => {
  test('two instances started at once get their own ports and directories and serve their own certificates', async () => {
    // Prepare
    const start = (chain: TestChain) =>
      startPostfix({ listeners: [{ address: '127.0.0.1', port: 0, mode: 'starttls' }], chains: [served(chain)] });

    // Act
    const [first, second] = await Promise.all([start(rsa), start(ecdsa)]);

    // Assess
    try {
      expect(first.dir).not.toBe(second.dir);
      expect(first.listeners[0].port).not.toBe(second.listeners[0].port);
      const [seenFirst, seenSecond] = await Promise.all(
        [first, second].map((p) => opensslShowCerts({ ...p.listeners[0], mode: 'starttls' })),
      );
      expect(seenFirst.sha256[0]).toBe(rsa.leaf.sha256);
      expect(seenSecond.sha256[0]).toBe(ecdsa.leaf.sha256);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  test('stop closes the listeners and removes the temp dir, and a second stop is harmless', async () => {
    // Prepare
    const postfix = await startPostfix({
      listeners: [{ address: '127.0.0.3', port: 0, mode: 'none' }],
      chains: [],
    });
    const { address, port } = postfix.listeners[0];
    expect(await connects(address, port)).toBe(true);

    // Act
    await postfix.stop();
    await postfix.stop();

    // Assess
    expect(existsSync(postfix.dir)).toBe(false);
    expect(await connects(address, port)).toBe(false);
  });

  test('a configuration smtpd rejects fails start-up with the maillog tail and leaves nothing behind', async () => {
    // Prepare
    const options = {
      listeners: [{ address: '127.0.0.1', port: 0, mode: 'starttls' as const }],
      chains: [served(rsa)],
      tlsExtra: { smtpd_tls_security_level: 'bogus' },
      startTimeoutMs: 5000,
    };

    // Act
    const error = await startPostfix(options).then(
      (unexpected) => unexpected.stop(),
      (e: Error) => e,
    );

    // Assess
    expect(error?.message).toMatch(/did not greet \(Postfix logged a fatal error\)/);
    expect(error?.message).toMatch(/maillog tail/);
    expect(error?.message).toMatch(/smtpd\[\d+\]: fatal: Invalid TLS level "bogus"/);
    const dir = /\((\/[^)]*)\/maillog\)/.exec(error?.message ?? '')?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir as string)).toBe(false);
  });
});
