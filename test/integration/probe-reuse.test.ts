/**
 * What the prober shares across probes of one process (one TLS client context per key type, one pkijs
 * verdict per path in flight) must not change what each probe sees: a full handshake with the server's
 * own Certificate message every time, and each observation's own verdict.
 */
import type { Observation } from '../../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.reuse.example';

describe('probes that share a process', () => {
  let chain: TestChain;
  const servers: SmtpTestServer[] = [];

  const options = (server: SmtpTestServer, overrides: Partial<ProbeOptions> = {}): ProbeOptions => ({
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: ['ecdsa'],
    timeoutMs: 10_000,
    resolve: [{ host: HOST, port: server.port, addresses: [server.address] }],
    extraAnchorsDer: [chain.root.der],
    ...overrides,
  });
  const summary = (o: Observation) => ({
    ok: o.ok,
    protocol: o.tls.protocol,
    chain: o.chain.map((c) => c.sha256),
    trusted: o.validation?.trusted,
  });

  beforeAll(async () => {
    chain = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each([['TLSv1.3' as const], ['TLSv1.2' as const]])(
    'a server probed again over %s presents its whole chain again (no session resumption)',
    async (version) => {
      // Prepare
      const server = await startSmtpTestServer({
        certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }],
        tls: { minVersion: version, maxVersion: version },
      });
      servers.push(server);
      const prober = new SmtpProber();
      const targets = parseTargets([`smtp://${HOST}:${server.port}`]);

      // Act
      const first = await prober.probe(targets, options(server));
      const second = await prober.probe(targets, options(server));
      const third = await new SmtpProber().probe(targets, options(server));

      // Assess
      const expected = {
        ok: true,
        protocol: version,
        chain: [chain.leaf.sha256, chain.intermediate.sha256],
        trusted: true,
      };
      expect([first, second, third].map((run) => summary(run[0]))).toEqual([expected, expected, expected]);
    },
  );

  it('many endpoints serving one chain, validated at once, each get the verdict of their own trust set', async () => {
    // Prepare
    const ports: number[] = [];
    for (let i = 0; i < 12; i++) {
      const server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
      servers.push(server);
      ports.push(server.port);
    }
    const targets = parseTargets(ports.map((port) => `smtp://127.0.0.1:${port}`));
    const common = { ...DEFAULT_PROBE_OPTIONS, keyTypes: ['ecdsa' as const], servername: HOST, timeoutMs: 10_000 };

    // Act
    const [trusting, untrusting] = await Promise.all([
      new SmtpProber().probe(targets, { ...common, extraAnchorsDer: [chain.root.der] }),
      new SmtpProber().probe(targets, common),
    ]);

    // Assess
    expect(trusting.map((o) => [o.ok, o.validation?.trusted])).toEqual(ports.map(() => [true, true]));
    expect(untrusting.map((o) => [o.ok, o.validation?.trusted, o.validation?.error?.code])).toEqual(
      ports.map(() => [true, false, 'UNTRUSTED_ROOT']),
    );
  });
});
