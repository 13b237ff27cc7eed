import type { Observation } from '../../lambdas/core/observation';
import { DEFAULT_PROBE_OPTIONS } from '../../lambdas/core/probe-options';
import { parseTargets } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { hostile, type ScriptedServer, startScriptedServer } from '../support/hostile-servers';
import { createChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const TIMEOUT_MS = 1500;

describe('probing hostile servers (real loopback servers)', () => {
  const servers: Record<string, ScriptedServer> = {};
  let good: SmtpTestServer;
  let noStartTls: SmtpTestServer;
  let observations: Observation[];
  let rootDer: Buffer;
  let closedPort: number;

  beforeAll(async () => {
    // Prepare: one server per misbehaviour, one good server, one closed port — all in ONE probe run.
    const chain = await createChain({ keyType: 'ecdsa', hostnames: ['127.0.0.1'] });
    rootDer = chain.root.der;
    good = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
    noStartTls = await startSmtpTestServer({
      certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }],
      hideStartTls: true,
    });
    servers.silence = await startScriptedServer(hostile.silence());
    servers.drip = await startScriptedServer(hostile.drip(1000));
    servers.endless = await startScriptedServer(hostile.endlessMultiline());
    servers.huge = await startScriptedServer(hostile.hugeLine());
    servers.g421 = await startScriptedServer(hostile.greeting421());
    servers.s454 = await startScriptedServer(hostile.starttls454());
    servers.garbage = await startScriptedServer(hostile.garbageTls());
    servers.reset = await startScriptedServer(hostile.resetMidHandshake());
    servers.injection = await startScriptedServer(hostile.injectionAfterStarttls());
    servers.notSmtp = await startScriptedServer(hostile.notSmtp());
    const closed = await startScriptedServer(hostile.silence());
    closedPort = closed.port;
    await closed.close();

    // Act
    const targets = parseTargets([
      good.url,
      noStartTls.url,
      ...Object.values(servers).map((s) => s.url),
      `smtp://127.0.0.1:${closedPort}`,
    ]);
    observations = await new SmtpProber().probe(targets, {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: ['ecdsa'],
      timeoutMs: TIMEOUT_MS,
      extraAnchorsDer: [rootDer],
    });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([good.close(), noStartTls.close(), ...Object.values(servers).map((s) => s.close())]);
  });

  const observationOf = (port: number) => {
    const found = observations.find((o) => o.port === port);
    if (!found) throw new Error(`no observation for port ${port}`);
    return found;
  };

  it('still reads the good server in the same run, trusted and complete', () => {
    // Assess
    const observation = observationOf(good.port);
    expect(observation.error).toBeUndefined();
    expect(observation.ok).toBe(true);
    expect(observation.chain).toHaveLength(2);
    expect(observation.validation?.trusted).toBe(true);
  });

  it.each([
    ['silence', 'TIMEOUT'],
    ['drip', 'TIMEOUT'],
    ['endless', 'SMTP_PROTOCOL'],
    ['huge', 'SMTP_PROTOCOL'],
    ['g421', 'SMTP_REJECTED'],
    ['s454', 'STARTTLS_REFUSED'],
    ['garbage', 'TLS_HANDSHAKE_FAILED'],
    ['reset', 'TLS_HANDSHAKE_FAILED'],
    ['injection', 'SMTP_PROTOCOL'],
    ['notSmtp', 'SMTP_PROTOCOL'],
  ])('classifies the %s server as %s', (name, code) => {
    // Assess
    const observation = observationOf(servers[name].port);
    expect(observation.ok).toBe(false);
    expect(observation.error?.code).toBe(code);
    expect(observation.error?.message).toBeTruthy();
    expect(observation.chain).toEqual([]);
  });

  it('reports a server without STARTTLS as STARTTLS_NOT_OFFERED, with what EHLO said', () => {
    // Assess
    const observation = observationOf(noStartTls.port);
    expect(observation.error?.code).toBe('STARTTLS_NOT_OFFERED');
    expect(observation.smtp.starttls).toBe(false);
    expect(observation.smtp.ehlo).toContain('PIPELINING');
    expect(observation.smtp.banner).toContain('ESMTP');
  });

  it('reports a closed port as CONNECT_REFUSED', () => {
    // Assess
    expect(observationOf(closedPort).error?.code).toBe('CONNECT_REFUSED');
  });
});
