import type { NoticeFactsMap } from '../../lambdas/core/notice';
import type { ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTarget, type Target } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { createRoot, issue } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { at, HOST, probeOptionsFor, RecordingPublisher, useCycleWorkspace } from './cycle-harness';

describe('watch cycle over real loopback servers and dynalite: notices', () => {
  const ws = useCycleWorkspace('notices');
  let publisher: RecordingPublisher;

  beforeEach(() => {
    publisher = new RecordingPublisher();
  });

  function cycle(target: Target, probeOptions: ProbeOptions, day: number) {
    return runWatchCycle(
      { prober: new SmtpProber(), store: ws.embedded.store, publisher },
      { targets: [target], probeOptions, now: at(day) },
    );
  }

  it('warns once per expiry threshold of a short-lived certificate, as its lifetime scales them, then raises EXPIRED', async () => {
    // Prepare
    const short = await ws.pki.leaf({ from: -1, to: 22 });
    const pair = await ws.startPair(short);
    const { target, probeOptions } = pair;

    // Act
    for (const day of [0, 1.5, 2, 8.5, 9, 15.5, 16.5, 19.5, 20, 21.5, 22.5, 23]) await cycle(target, probeOptions, day);

    // Assess: its 23-day lifetime scales 21 and 14 to 7.6 days (a third, docs/expiry.md): crossed together
    // with 7 at day 15.5, one notice for the nearest; then 3 and 1.
    const warned = publisher.published.flatMap((n) =>
      n.type === 'EXPIRY_WARNING' ? [(n.facts as NoticeFactsMap['EXPIRY_WARNING']).thresholdDays] : [],
    );
    expect(warned).toEqual([7, 3, 1]);
    expect(publisher.types()).toEqual([
      'BASELINE',
      'EXPIRY_WARNING',
      'ROTATION_OVERDUE',
      'EXPIRY_WARNING',
      'EXPIRY_WARNING',
      'EXPIRED',
    ]);
    const expired = publisher.published.at(-1);
    expect(expired).toMatchObject({ severity: 'critical', at: at(22.5).toISOString() });
  });

  it('raises CHAIN_INVALID for an untrusted chain and HOSTNAME_MISMATCH for a leaf of another name', async () => {
    // Prepare
    const strangerRoot = await createRoot({ name: 'Stranger Root', keyType: 'ecdsa' });
    const strangerIntermediate = await issue(strangerRoot, { name: 'Stranger Intermediate', isCa: true });
    const untrusted = await ws.pki.leaf({ intermediate: strangerIntermediate });
    const misnamed = await ws.pki.leaf({ hostnames: ['other.test.example'] });
    const pair = await ws.startPair(untrusted, misnamed);

    // Act
    await cycle(pair.target, pair.probeOptions, 0);
    const second = await cycle(pair.target, pair.probeOptions, 1);

    // Assess
    expect(publisher.types()).toEqual(['BASELINE', 'CHAIN_INVALID', 'HOSTNAME_MISMATCH']);
    expect(publisher.published[1].facts).toMatchObject({
      addresses: ['127.0.0.2'],
      cert: { sha256: untrusted.chain.leaf.sha256 },
    });
    expect(publisher.published[2].facts).toMatchObject({ addresses: ['127.0.0.3'], expectedName: HOST });
    expect(second.notices).toEqual([]);
  });

  it('raises ISSUER_CHANGED, classified as an issuer change, when the new leaf comes from another intermediate', async () => {
    // Prepare
    const first = await ws.pki.leaf();
    const otherIntermediate = await issue(ws.pki.root, { name: 'Test Intermediate B', isCa: true });
    const moved = await ws.pki.leaf({ intermediate: otherIntermediate });
    const pair = await ws.startPair(first);
    await cycle(pair.target, pair.probeOptions, 0);
    for (const s of pair.servers) s.setCerts([moved]);

    // Act
    const result = await cycle(pair.target, pair.probeOptions, 1);

    // Assess
    expect(result.notices.map((n) => n.type)).toEqual(['NEW_CERTIFICATE', 'ISSUER_CHANGED']);
    const facts = result.notices[1].facts as NoticeFactsMap['ISSUER_CHANGED'];
    expect(facts.rotation.classification).toBe('issuer-change');
    expect(facts.issuer).toContain('Test Intermediate B');
    expect(facts.intermediate).toBe(otherIntermediate.sha256);
  });

  it('raises STARTTLS_MISSING once when the server stops offering STARTTLS', async () => {
    // Prepare
    const cert = await ws.pki.leaf();
    const pair = await ws.startPair(cert);
    await cycle(pair.target, pair.probeOptions, 0);
    pair.servers[1].setHideStartTls(true);

    // Act
    const downgraded = await cycle(pair.target, pair.probeOptions, 1);
    await cycle(pair.target, pair.probeOptions, 2);

    // Assess
    expect(publisher.types()).toEqual(['BASELINE', 'STARTTLS_MISSING']);
    expect(downgraded.summary).toMatchObject({ critical: 1, failedProbes: 1 });
    expect(publisher.published[1].facts).toMatchObject({ addresses: ['127.0.0.3'] });
  });

  it('raises PROBE_FAILING after three failed cycles and PROBE_RECOVERED when the server is back', async () => {
    // Prepare
    const cert = await ws.pki.leaf();
    let server: SmtpTestServer = await startSmtpTestServer({ address: '127.0.0.4', certs: [cert], greeting: HOST });
    const { port } = server;
    const options = probeOptionsFor(port, ws.pki.root, ['127.0.0.4']);
    const target = parseTarget(`smtp://${HOST}:${port}`);
    await cycle(target, options, 0);
    await server.close();

    // Act
    const failures = [];
    for (let day = 1; day <= 4; day++) failures.push(await cycle(target, options, day));
    server = await startSmtpTestServer({ address: '127.0.0.4', port, certs: [cert], greeting: HOST });
    await cycle(target, options, 5);
    await server.close();

    // Assess
    expect(failures.map((f) => f.notices.map((n) => n.type))).toEqual([[], [], ['PROBE_FAILING'], []]);
    expect(failures[0].observations[0].error?.code).toBe('CONNECT_REFUSED');
    expect(publisher.types()).toEqual(['BASELINE', 'PROBE_FAILING', 'PROBE_RECOVERED']);
  });
});
