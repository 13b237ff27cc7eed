import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli as certwatch } from '../support/cli';
import { startTestDns, type TestDnsServer } from '../support/dns-server';
import { loopbackNet } from '../support/loopback-net';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, type Pki } from './cycle-harness';

const DOMAIN = 'mail.example.test';
/** MX hosts live on port 25 of these loopback addresses (root binds them; CI runs as root). */
const NET = loopbackNet(151);
const HOSTS = ['mx1', 'mx2', 'mx3'].map((name, i) => ({
  name: `${name}.${DOMAIN}`,
  address: `${NET}.${i + 1}`,
  url: `smtp://${name}.${DOMAIN}:25`,
}));

interface Doc {
  observations: Array<{ target: string; ok: boolean; error?: { code: string } }>;
  notices: Array<{ type: string; facts: Record<string, unknown> }>;
}

/** MX discovery through the real CLI: an in-process DNS server and real SMTP servers on loopback port 25. */
describe('certwatch check with mx:DOMAIN (DNS on loopback via --dns)', () => {
  let pki: Pki;
  let dns: TestDnsServer;
  let servers: SmtpTestServer[];
  let dir: string;
  let store: string;
  let caFile: string;

  beforeAll(async () => {
    pki = await createPki('mx');
    const cert = await pki.leaf({ hostnames: HOSTS.map((h) => h.name) });
    servers = await Promise.all(
      HOSTS.map((h) => startSmtpTestServer({ address: h.address, port: 25, certs: [cert], greeting: h.name })),
    );
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  beforeEach(async () => {
    dns = await startTestDns('127.0.0.1');
    for (const h of HOSTS) dns.a(h.name, h.address);
    dns.mx(DOMAIN, [20, HOSTS[1].name], [10, HOSTS[0].name]);
    dir = mkdtempSync(join(tmpdir(), 'certwatch-mx-'));
    store = join(dir, 'store');
    caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
  });

  afterEach(async () => {
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = async (...extra: string[]) => {
    const out = await certwatch([
      'check',
      ...extra,
      '--store',
      store,
      '--dns',
      dns.server,
      '--ca',
      caFile,
      '--key-types',
      'ecdsa',
      '--timeout',
      '3000',
      '--json',
    ]);
    return { code: out.code, stderr: out.stderr, doc: JSON.parse(out.stdout || '{}') as Doc };
  };
  const targetsOf = (doc: Doc) => [...new Set(doc.observations.map((o) => o.target))];

  it('probes the MX hosts of a listed domain in preference order, each under its own smtp://MX:25', async () => {
    // Prepare
    await certwatch(['targets', 'add', `mx:${DOMAIN}`, '--store', store]);

    // Act
    const first = await check();

    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(targetsOf(first.doc)).toEqual([HOSTS[0].url, HOSTS[1].url]);
    expect(first.doc.observations.every((o) => o.ok)).toBe(true);
    expect(first.doc.notices.map((n) => n.type)).toEqual(['BASELINE']);
    expect(dns.queries).toBeGreaterThan(0);
  });

  it('raises MX_CHANGED with what was added and removed, and marks the host that left removed', async () => {
    // Prepare
    await certwatch(['targets', 'add', `mx:${DOMAIN}`, '--store', store]);
    await check();
    dns.clear(DOMAIN);
    dns.mx(DOMAIN, [10, HOSTS[0].name], [30, HOSTS[2].name]);

    // Act
    const changed = await check();
    const steady = await check();
    const history = JSON.parse((await certwatch(['history', '--store', store, '--json'])).stdout);
    const list = JSON.parse((await certwatch(['targets', 'list', '--store', store, '--json'])).stdout);

    // Assess
    expect(changed.code).toBe(0);
    expect(targetsOf(changed.doc)).toEqual([HOSTS[0].url, HOSTS[2].url]);
    const mxChanged = changed.doc.notices.filter((n) => n.type === 'MX_CHANGED');
    expect(mxChanged).toHaveLength(1);
    expect(mxChanged[0].facts).toMatchObject({ domain: DOMAIN, added: [HOSTS[2].name], removed: [HOSTS[1].name] });
    expect(steady.doc.notices).toEqual([]);
    const gone = history.targets.find((t: { target: string }) => t.target === HOSTS[1].url);
    expect(gone.watch).toMatchObject({ status: 'removed', via: `mx:${DOMAIN}` });
    expect(gone.certificates.length).toBeGreaterThan(0);
    expect(gone.certificates.every((c: { status: string }) => c.status === 'active')).toBe(true);
    expect(list.targets[0].mx.hosts).toEqual([HOSTS[0].name, HOSTS[2].name]);
  });

  it('reports a failed MX lookup as a DNS_FAILED observation of the mx: target and exits 1', async () => {
    // Prepare: the domain is unknown to the server (NXDOMAIN)
    dns.clear(DOMAIN);

    // Act
    const failed = await check(`mx:${DOMAIN}`);

    // Assess
    expect(failed.code).toBe(1);
    const mx = failed.doc.observations.filter((o) => o.target === `mx:${DOMAIN}`);
    expect(mx.map((o) => [o.ok, o.error?.code])).toEqual([[false, 'DNS_FAILED']]);
  });

  it('reads the DNS servers from CERTWATCH_DNS when --dns is not given, and refuses a bad one with exit 2', async () => {
    // Prepare
    const saved = process.env.CERTWATCH_DNS;
    process.env.CERTWATCH_DNS = dns.server;
    try {
      // Act
      const viaEnv = await certwatch([
        'check',
        `mx:${DOMAIN}`,
        '--store',
        store,
        '--ca',
        caFile,
        '--key-types',
        'ecdsa',
        '--json',
      ]);
      const bad = await certwatch(['check', `mx:${DOMAIN}`, '--store', store, '--dns', 'not-an-address']);

      // Assess
      expect(viaEnv.code).toBe(0);
      expect(targetsOf(JSON.parse(viaEnv.stdout))).toEqual([HOSTS[0].url, HOSTS[1].url]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^certwatch: --dns [^\n]+\n$/);
    } finally {
      if (saved === undefined) delete process.env.CERTWATCH_DNS;
      else process.env.CERTWATCH_DNS = saved;
    }
  });
});
