import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import type { Observation } from '../../lambdas/core/observation';
import type { PolicySet } from '../../lambdas/core/policy/model';
import { parsePolicyDocument } from '../../lambdas/core/policy/parse';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTarget, type Target } from '../../lambdas/core/targets';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { startTestDns, type TestDnsServer } from '../support/dns-server';
import { loopbackNet } from '../support/loopback-net';
import { type Issued, issue } from '../support/pki';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { at, createPki, HOST, type Pki, RecordingPublisher } from './cycle-harness';

/** The MX hosts (port 25) and the MTA-STS server (port 443) of the DNS tests, on loopback. */
const NET = loopbackNet(9);

const spkiHex = (issued: Issued) =>
  createHash('sha256')
    .update(new X509Certificate(issued.der).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');

function served(leaf: Issued, intermediate: Issued): ServerCert {
  return { keyPem: leaf.keyPem, chainPem: leaf.certPem + intermediate.certPem };
}

function policyOf(policies: unknown[]): PolicySet {
  return parsePolicyDocument({ policies }, { source: 'policy.json' });
}

function optionsFor(pki: Pki, pins: ProbeOptions['resolve'], policy: PolicySet, dns: string): ProbeOptions {
  return {
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: ['ecdsa'],
    timeoutMs: 3000,
    resolve: pins,
    extraAnchorsDer: [new Uint8Array(pki.root.der)],
    ehloName: 'certwatch.test',
    policy,
    dnsServers: [dns],
  } as ProbeOptions;
}

async function verdicts(targets: Target[], options: ProbeOptions) {
  const observations = await new SmtpProber().probe(targets, options);
  return observations.map((o: Observation) => o.consumerPolicy);
}

describe('consumer policy: DANE TLSA from DNS, CA files, MTA-STS (real loopback DNS, SMTP and HTTPS servers)', () => {
  let pki: Pki;
  let dns: TestDnsServer;
  let smtp: SmtpTestServer[] = [];
  let https: Server | undefined;

  beforeAll(async () => {
    pki = await createPki('dane');
  });

  beforeEach(async () => {
    dns = await startTestDns('127.0.0.1');
  });

  afterEach(async () => {
    await Promise.all(smtp.map((s) => s.close()));
    smtp = [];
    await new Promise<void>((resolve) => (https ? https.close(() => resolve()) : resolve()));
    https = undefined;
    await dns.close();
  });

  it('TLSA 3 1 1 survives a same-key renewal and fails after a re-key; 2 1 1 holds across both', async () => {
    // Prepare
    const first = await issue(pki.intermediate, { name: HOST, keyType: 'ecdsa' });
    const renewed = await issue(pki.intermediate, { name: HOST, keyType: 'ecdsa', keys: first.keys });
    const rekeyed = await issue(pki.intermediate, { name: HOST, keyType: 'ecdsa' });
    const server = await startSmtpTestServer({
      address: '127.0.0.2',
      certs: [served(first, pki.intermediate)],
      greeting: HOST,
    });
    smtp.push(server);
    const target = parseTarget(`smtp://${HOST}:${server.port}`);
    const owner = `_${server.port}._tcp.${HOST}`;
    const options = optionsFor(
      pki,
      [{ host: HOST, port: server.port, addresses: ['127.0.0.2'] }],
      policyOf([{ targets: [target.url], tlsa: 'dns' }]),
      dns.server,
    );
    dns.tlsa(owner, `3 1 1 ${spkiHex(first)}`);

    // Act
    const before = await verdicts([target], options);
    server.setCerts([served(renewed, pki.intermediate)]);
    const afterRenewal = await verdicts([target], options);
    server.setCerts([served(rekeyed, pki.intermediate)]);
    const afterRekey = await verdicts([target], options);
    dns.clear(owner);
    dns.tlsa(owner, `2 1 1 ${spkiHex(pki.intermediate)}`);
    const taAfterRekey = await verdicts([target], options);
    server.setCerts([served(renewed, pki.intermediate)]);
    const taRenewed = await verdicts([target], options);

    // Assess
    expect(before[0]).toMatchObject({ ok: true, dnssec: 'not-validated' });
    expect(afterRenewal[0]?.ok).toBe(true);
    expect(afterRekey[0]?.ok).toBe(false);
    expect(afterRekey[0]?.rules[0].remedy?.tlsa?.[0]).toBe(`3 1 1 ${spkiHex(rekeyed)}`);
    expect(taAfterRekey[0]?.ok).toBe(true);
    expect(taRenewed[0]?.ok).toBe(true);
  });

  it('a TLSA lookup that fails is a coded error in the verdict, not a mismatch', async () => {
    const leaf = await issue(pki.intermediate, { name: HOST, keyType: 'ecdsa' });
    const server = await startSmtpTestServer({
      address: '127.0.0.2',
      certs: [served(leaf, pki.intermediate)],
      greeting: HOST,
    });
    smtp.push(server);
    const target = parseTarget(`smtp://${HOST}:${server.port}`);
    const closed = await startTestDns('127.0.0.1');
    await closed.close(); // a port where nothing answers
    const options = optionsFor(
      pki,
      [{ host: HOST, port: server.port, addresses: ['127.0.0.2'] }],
      policyOf([{ targets: ['*'], tlsa: 'dns' }]),
      closed.server,
    );

    const [verdict] = await verdicts([target], { ...options, timeoutMs: 1000 });

    expect(verdict?.rules[0]).toMatchObject({ kind: 'tlsa', status: 'error', code: 'TLSA_LOOKUP_FAILED' });
    expect(verdict?.ok).toBe(true);
  });

  it('a CA file holding only the old root refuses a chain to the new root and names the missing anchor', async () => {
    const newPki = await createPki('dane-new-root');
    const leaf = await newPki.leaf();
    const server = await startSmtpTestServer({ address: '127.0.0.2', certs: [leaf], greeting: HOST });
    smtp.push(server);
    const target = parseTarget(`smtp://${HOST}:${server.port}`);
    const policy = policyOf([{ targets: [target.url], ca: pki.root.certPem }]);
    const options = {
      ...optionsFor(newPki, [{ host: HOST, port: server.port, addresses: ['127.0.0.2'] }], policy, dns.server),
    };

    const [verdict] = await verdicts([target], options);

    expect(verdict?.ok).toBe(false);
    expect(verdict?.rules[0].remedy?.anchor).toMatchObject({
      sha256: newPki.root.sha256,
      subject: 'CN=Test Root dane-new-root, O=certwatch tests',
    });
  });

  it('MTA-STS: a host its mx patterns miss is refused (enforce), found through loopback DNS and HTTPS; a change is noticed', async () => {
    // Prepare
    const domain = 'example.test';
    const mx1 = await pki.leaf({ hostnames: [`mx1.${domain}`] });
    const mx2 = await pki.leaf({ hostnames: [`mx2.${domain}`] });
    smtp.push(await startSmtpTestServer({ address: `${NET}.25`, port: 25, certs: [mx1], greeting: `mx1.${domain}` }));
    smtp.push(await startSmtpTestServer({ address: `${NET}.26`, port: 25, certs: [mx2], greeting: `mx2.${domain}` }));
    const sts = await pki.leaf({ hostnames: [`mta-sts.${domain}`] });
    let body = `version: STSv1\nmode: enforce\nmx: mx1.${domain}\nmax_age: 86400\n`;
    https = createServer({ key: sts.keyPem, cert: sts.chainPem }, (req, res) => {
      if (req.url !== '/.well-known/mta-sts.txt') res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => https?.listen(443, `${NET}.43`, resolve));
    dns.mx(domain, [10, `mx1.${domain}`], [20, `mx2.${domain}`]);
    dns.txt(`_mta-sts.${domain}`, 'v=STSv1; id=20261101;');
    dns.a(`mta-sts.${domain}`, `${NET}.43`);
    const targets = [parseTarget(`smtp://mx1.${domain}`), parseTarget(`smtp://mx2.${domain}`)];
    const pins = [
      { host: `mx1.${domain}`, port: 25, addresses: [`${NET}.25`] },
      { host: `mx2.${domain}`, port: 25, addresses: [`${NET}.26`] },
    ];
    const options = optionsFor(pki, pins, policyOf([{ targets: [`mx:${domain}`], mtaSts: domain }]), dns.server);
    const embedded = await startEmbeddedStore({ inMemory: true });
    const publisher = new RecordingPublisher();
    const cycle = (day: number) =>
      runWatchCycle(
        { prober: new SmtpProber(), store: embedded.store, publisher },
        { targets, probeOptions: options, now: at(day) },
      );

    try {
      // Act
      const first = await cycle(0);
      body = `version: STSv1\nmode: testing\nmx: mx1.${domain}\nmx: *.${domain}\nmax_age: 604800\n`;
      dns.clear(`_mta-sts.${domain}`);
      dns.txt(`_mta-sts.${domain}`, 'v=STSv1; id=20261102;');
      const second = await cycle(1);

      // Assess
      const [one, two] = first.observations.map((o) => o.consumerPolicy);
      expect(one?.rules[0]).toMatchObject({ kind: 'mtaSts', status: 'pass' });
      expect(two?.rules[0]).toMatchObject({
        kind: 'mtaSts',
        status: 'fail',
        severity: 'critical',
        remedy: { mx: `mx2.${domain}` },
      });
      const mismatch = first.notices.find((n) => n.type === 'POLICY_MISMATCH');
      expect(mismatch?.target).toBe(`smtp://mx2.${domain}:25`);
      expect(mismatch?.text).toContain(`mx: mx2.${domain}`);
      expect(second.observations.every((o) => o.consumerPolicy?.ok)).toBe(true);
      const changed = second.notices.filter((n) => n.type === 'MTA_STS_CHANGED');
      expect(changed.length).toBeGreaterThan(0);
      expect(new Set(changed.map((n) => n.dedupeKey)).size).toBe(1);
      const facts = changed[0].facts as NoticeFactsMap['MTA_STS_CHANGED'];
      expect([facts.previous.mode, facts.current.mode]).toEqual(['enforce', 'testing']);
      expect(publisher.types().filter((t) => t === 'MTA_STS_CHANGED')).toEqual(['MTA_STS_CHANGED']);
    } finally {
      await embedded.close();
    }
  });

  it('MTA-STS: a redirect is not followed; the fetch error is a coded verdict', async () => {
    const domain = 'redirect.test';
    const mx = await pki.leaf({ hostnames: [`mx.${domain}`] });
    smtp.push(await startSmtpTestServer({ address: `${NET}.27`, port: 25, certs: [mx], greeting: `mx.${domain}` }));
    const sts = await pki.leaf({ hostnames: [`mta-sts.${domain}`] });
    https = createServer({ key: sts.keyPem, cert: sts.chainPem }, (_req, res) => {
      res.writeHead(301, { location: 'https://elsewhere.test/.well-known/mta-sts.txt' }).end();
    });
    await new Promise<void>((resolve) => https?.listen(443, `${NET}.43`, resolve));
    dns.txt(`_mta-sts.${domain}`, 'v=STSv1; id=1;');
    dns.a(`mta-sts.${domain}`, `${NET}.43`);
    const target = parseTarget(`smtp://mx.${domain}`);
    const options = optionsFor(
      pki,
      [{ host: `mx.${domain}`, port: 25, addresses: [`${NET}.27`] }],
      policyOf([{ targets: [target.url], mtaSts: domain }]),
      dns.server,
    );

    const [verdict] = await verdicts([target], options);

    expect(verdict?.rules[0]).toMatchObject({ status: 'error', code: 'MTA_STS_FETCH_FAILED' });
    expect(verdict?.rules[0].reason).toContain('redirects are not followed');
  });
});
