import { createServer, type Server, type TLSSocket } from 'node:tls';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { greetingWaitMs } from '../../lambdas/probe/probe-endpoint';
import { SmtpProber } from '../../lambdas/probe/prober';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.test.example';

describe('probing implicit TLS (smtps)', () => {
  let ecdsa: TestChain;
  const closers: Array<() => Promise<void>> = [];
  const prober = new SmtpProber();
  const probe = (port: number, timeoutMs: number) =>
    prober.probe(parseTargets([`smtps://${HOST}:${port}`]), {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: ['ecdsa'],
      timeoutMs,
      resolve: [{ host: HOST, port, addresses: ['127.0.0.1'] }],
      extraAnchorsDer: [ecdsa.root.der],
    });

  beforeAll(async () => {
    ecdsa = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
  });

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('says STARTTLS was not offered: an smtps probe never sends EHLO', async () => {
    // Prepare
    const server: SmtpTestServer = await startSmtpTestServer({
      certs: [{ keyPem: ecdsa.leaf.keyPem, chainPem: ecdsa.chainPem }],
      mode: 'implicit',
    });
    closers.push(() => server.close());

    // Act
    const [observation] = await probe(server.port, 10_000);

    // Assess
    expect(observation).toMatchObject({ ok: true, mode: 'implicit' });
    expect(observation.smtp).toEqual({ banner: expect.stringContaining('ESMTP'), ehlo: [], starttls: false });
  });

  it('keeps the certificate of a server that never greets after the handshake, without waiting out the deadline', async () => {
    // Prepare: a TLS server that completes the handshake and then says nothing
    const connections = new Set<TLSSocket>();
    const silent: Server = createServer({ key: ecdsa.leaf.keyPem, cert: ecdsa.chainPem }, (socket) => {
      connections.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const deadlineMs = 60_000;

    // Act
    const [observation] = await probe((silent.address() as { port: number }).port, deadlineMs);

    // Assess: the wait for the greeting is the behaviour, so its bound is asserted (generously)
    expect(observation).toMatchObject({ ok: true, smtp: { banner: null, starttls: false } });
    expect(observation.chain[0].sha256).toBe(ecdsa.leaf.sha256);
    expect(greetingWaitMs(deadlineMs)).toBe(2000);
    expect(observation.durationMs).toBeLessThan(deadlineMs / 2);
  }, 90_000);
});
