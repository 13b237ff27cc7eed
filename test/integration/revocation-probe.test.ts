/**
 * `certwatch probe --revocation` against real parts on loopback: an SMTP server presenting a chain from
 * a real `openssl ca`, its CRLs served by a loopback HTTP server (the leaf's at a partitioned path under
 * a host name reached through --resolve, as Google's c.pki.goog/wr2/<id>.crl), and `openssl ocsp` as
 * the responder at a URL with a path (as o.pki.goog/wr2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Observation } from '../../lambdas/core/observation';
import { cli } from '../support/cli';
import { type HttpFiles, startHttpFiles } from '../support/http-files';
import { type CaIssued, type OcspResponder, OpensslCa } from '../support/openssl-ca';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOST = 'mx.revocation.example';
const CRL_HOST = 'crl.revocation.example';

let dir: string;
let http: HttpFiles;
let responder: OcspResponder;
let root: OpensslCa;
let ca: OpensslCa;
let leaf: CaIssued;
const servers: SmtpTestServer[] = [];
const tlsServers: TlsServer[] = [];

/** An implicit-TLS SMTP server that staples `staple` to every handshake it is asked for one. */
async function serveStapling(cert: CaIssued, staple: Buffer, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<number> {
  const server = createTlsServer({
    key: readFileSync(cert.keyPath, 'utf8'),
    cert: cert.certPem + ca.cert.certPem,
    maxVersion,
  });
  server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (error: Error | null, response?: Buffer) => void) =>
    done(null, staple),
  );
  server.on('secureConnection', (socket) => {
    socket.on('error', () => undefined);
    socket.write('220 staple.test ESMTP\r\n');
    socket.on('data', () => socket.end('221 bye\r\n'));
  });
  tlsServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serve(cert: CaIssued): Promise<SmtpTestServer> {
  const server = await startSmtpTestServer({
    certs: [{ keyPem: readFileSync(cert.keyPath, 'utf8'), chainPem: cert.certPem + ca.cert.certPem }],
  });
  servers.push(server);
  return server;
}

function publishCrls(): void {
  http.set('/issuing/shard-7.crl', { bytes: ca.crl() });
  http.set('/root.crl', { bytes: root.crl() });
}

async function restartResponder(): Promise<void> {
  await responder.close();
  responder = await ca.startResponder({ path: '/wr2', port: responder.port });
}

async function probe(server: SmtpTestServer, ...extra: string[]) {
  const outcome = await cli([
    'probe',
    `smtp://${HOST}:${server.port}`,
    '--resolve',
    `${HOST}:${server.port}:127.0.0.1`,
    '--resolve',
    `${CRL_HOST}:${http.port}:127.0.0.1`,
    '--ca',
    join(dir, 'root.pem'),
    '--key-types',
    'ecdsa',
    '--json',
    ...extra,
  ]);
  return { ...outcome, observations: outcome.stdout ? (JSON.parse(outcome.stdout) as Observation[]) : [] };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-revocation-probe-'));
  http = await startHttpFiles();
  root = OpensslCa.create(join(dir, 'root'), { name: 'Revocation Root' });
  writeFileSync(join(dir, 'root.pem'), root.cert.certPem);
  ca = OpensslCa.create(join(dir, 'ca'), {
    name: 'Revocation Issuing',
    parent: root,
    crlUrls: [http.url('/root.crl')],
  });
  responder = await ca.startResponder({ path: '/wr2' });
  leaf = ca.issue({ name: HOST, crlUrls: [http.url('/issuing/shard-7.crl', CRL_HOST)], ocspUrl: responder.url });
  await restartResponder();
  publishCrls();
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(tlsServers.map((s) => new Promise((resolve) => s.close(resolve))));
  await responder?.close();
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('probe --revocation', () => {
  it('is off by default: no revocation field and no fetch', async () => {
    // Prepare
    const quiet = ca.issue({ name: HOST, crlUrls: [http.url('/quiet.crl')], ocspUrl: http.url('/quiet-ocsp') });
    const server = await serve(quiet);
    const before = http.requests.length;

    // Act
    const { code, observations } = await probe(server);
    const off = await probe(server, '--revocation', 'off');

    // Assess
    expect([code, off.code]).toEqual([0, 0]);
    expect(observations[0].chain.map((c) => c.revocation)).toEqual([undefined, undefined]);
    expect(off.observations[0].chain.map((c) => c.revocation)).toEqual([undefined, undefined]);
    expect(http.requests.slice(before)).toEqual([]);
  });

  it('says good for the leaf (partitioned CRL and OCSP URL with a path) and the intermediate (root CRL)', async () => {
    // Prepare
    const server = await serve(leaf);

    // Act
    const both = await probe(server, '--revocation', 'crl,ocsp');
    const crl = await probe(server, '--revocation', 'crl');
    const ocsp = await probe(server, '--revocation', 'ocsp');

    // Assess
    expect(both.code).toBe(0);
    const [leafVerdict, intermediateVerdict] = both.observations[0].chain.map((c) => c.revocation);
    expect(leafVerdict).toMatchObject({ status: 'good', source: 'ocsp', url: responder.url });
    expect(leafVerdict?.thisUpdate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(intermediateVerdict).toMatchObject({ status: 'good', source: 'crl', url: http.url('/root.crl') });
    expect(crl.observations[0].chain[0].revocation).toMatchObject({
      status: 'good',
      source: 'crl',
      url: http.url('/issuing/shard-7.crl', CRL_HOST),
    });
    expect(ocsp.observations[0].chain[0].revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(ocsp.observations[0].chain[1].revocation).toMatchObject({
      status: 'unknown',
      error: { code: 'NO_USABLE_SOURCE' },
    });
  });

  it('says revoked, with time and reason, from the CRL and from OCSP, and exits 1', async () => {
    // Prepare
    const doomed = ca.issue({
      name: HOST,
      crlUrls: [http.url('/issuing/shard-7.crl', CRL_HOST)],
      ocspUrl: responder.url,
    });
    ca.revoke(doomed, 'keyCompromise');
    publishCrls();
    await restartResponder();
    const server = await serve(doomed);

    // Act
    const crl = await probe(server, '--revocation', 'crl');
    const ocsp = await probe(server, '--revocation', 'ocsp');

    // Assess
    expect([crl.code, ocsp.code]).toEqual([1, 1]);
    expect(crl.observations[0].chain[0].revocation).toMatchObject({
      status: 'revoked',
      source: 'crl',
      reason: 'keyCompromise',
    });
    expect(ocsp.observations[0].chain[0].revocation).toMatchObject({
      status: 'revoked',
      source: 'ocsp',
      reason: 'keyCompromise',
    });
    expect(crl.observations[0].chain[0].revocation?.revokedAt).toBe(
      ocsp.observations[0].chain[0].revocation?.revokedAt,
    );
  });

  it("fetches nothing a chain with no path to a trust anchor names: its URLs are the server's choice", async () => {
    // Prepare: a CA nobody trusted issues a leaf whose sources point at the loopback server
    const stranger = OpensslCa.create(join(dir, 'stranger'), { name: 'Stranger Root' });
    const planted = stranger.issue({
      name: HOST,
      crlUrls: [http.url('/planted.crl')],
      ocspUrl: http.url('/planted-ocsp'),
    });
    const server = await startSmtpTestServer({
      certs: [{ keyPem: readFileSync(planted.keyPath, 'utf8'), chainPem: planted.certPem + stranger.cert.certPem }],
    });
    servers.push(server);
    const before = http.requests.length;

    // Act
    const { code, observations } = await probe(server, '--revocation', 'crl,ocsp');

    // Assess
    expect(code).toBe(0);
    expect(observations[0].validation?.path).toEqual([]);
    expect(observations[0].chain[0].revocation).toMatchObject({ status: 'unknown', error: { code: 'NOT_VALIDATED' } });
    expect(http.requests.slice(before)).toEqual([]);
  });

  it('says none for a certificate that names no source, and unknown (exit 0) when the source hangs', async () => {
    // Prepare
    const bare = ca.issue({ name: HOST });
    const stuck = ca.issue({ name: HOST, crlUrls: [http.url('/hang.crl')] });
    http.set('/hang.crl', { hang: true });
    const [bareServer, stuckServer] = [await serve(bare), await serve(stuck)];

    // Act
    const none = await probe(bareServer, '--revocation', 'crl,ocsp');
    const hung = await probe(stuckServer, '--revocation', 'crl', '--timeout', '1500');

    // Assess
    expect(none.code).toBe(0);
    expect(none.observations[0].chain[0].revocation).toEqual({
      status: 'none',
      source: null,
      url: null,
      thisUpdate: null,
      nextUpdate: null,
    });
    expect(hung.code).toBe(0);
    expect(hung.observations[0].chain[0].revocation).toMatchObject({
      status: 'unknown',
      source: 'crl',
      // The fetch's deadline and the batch's revocation time are both one probe timeout: either ends it.
      error: {
        code: 'FETCH_FAILED',
        message: expect.stringMatching(/no complete answer in 1500 ms|revocation time \(1500 ms\) is spent/),
      },
    });
  });

  it('reads at most 4 distribution points of a certificate, so one naming 64 that hang starves no other', async () => {
    // Prepare: one server's leaf names 64 hanging CRLs; another's, on the same run, one that answers
    const hanging = Array.from({ length: 64 }, (_, i) => http.url(`/hang/${i}.crl`));
    for (const url of hanging) http.set(new URL(url).pathname, { hang: true });
    const greedy = await serve(ca.issue({ name: HOST, crlUrls: hanging }));
    const honest = await serve(ca.issue({ name: HOST, crlUrls: [http.url('/issuing/shard-7.crl', CRL_HOST)] }));
    publishCrls();
    const before = http.requests.length;

    // Act
    const outcome = await cli([
      'probe',
      `smtp://${HOST}:${greedy.port}`,
      `smtp://${HOST}:${honest.port}`,
      ...[greedy.port, honest.port].flatMap((port) => ['--resolve', `${HOST}:${port}:127.0.0.1`]),
      ...['--resolve', `${CRL_HOST}:${http.port}:127.0.0.1`, '--ca', join(dir, 'root.pem')],
      ...['--key-types', 'ecdsa', '--revocation', 'crl', '--concurrency', '4', '--timeout', '3000', '--json'],
    ]);

    // Assess
    const [first, second] = (JSON.parse(outcome.stdout) as Observation[]).map((o) => o.chain[0].revocation);
    expect(first).toMatchObject({ status: 'unknown', error: { message: expect.stringContaining('60 more CRL') } });
    expect(second).toMatchObject({ status: 'good', source: 'crl' });
    expect(http.requests.slice(before).filter((r) => r.startsWith('GET /hang/'))).toHaveLength(4);
  });

  it('counts a stapled OCSP response (TLS 1.3 and 1.2), good or revoked', async () => {
    // Prepare
    const stapledOnly = ca.issue({ name: HOST });
    const stapledRevoked = ca.issue({ name: HOST });
    ca.revoke(stapledRevoked, 'superseded');
    const ports = [
      await serveStapling(stapledOnly, ca.ocspResponse(stapledOnly), 'TLSv1.3'),
      await serveStapling(stapledRevoked, ca.ocspResponse(stapledRevoked), 'TLSv1.2'),
    ];

    // Act
    const outcomes = [];
    for (const port of ports) {
      outcomes.push(
        await cli([
          'probe',
          `smtps://${HOST}:${port}`,
          '--resolve',
          `${HOST}:${port}:127.0.0.1`,
          '--ca',
          join(dir, 'root.pem'),
          '--key-types',
          'ecdsa',
          '--revocation',
          'crl',
          '--json',
        ]),
      );
    }

    // Assess
    const [good, revoked] = outcomes.map((o) => (JSON.parse(o.stdout) as Observation[])[0]);
    expect(good.tls.protocol).toBe('TLSv1.3');
    expect(good.chain[0].revocation).toMatchObject({ status: 'good', source: 'stapled', url: null });
    expect(revoked.tls.protocol).toBe('TLSv1.2');
    expect(revoked.chain[0].revocation).toMatchObject({ status: 'revoked', source: 'stapled', reason: 'superseded' });
    expect(outcomes.map((o) => o.code)).toEqual([0, 1]);
  });
});

describe('inspect --revocation', () => {
  it('checks a PEM chain now, and refuses --at (a status is a fact of now)', async () => {
    // Prepare
    const revoked = ca.issue({ name: HOST, crlUrls: [http.url('/issuing/shard-7.crl')] });
    ca.revoke(revoked, 'affiliationChanged');
    publishCrls();
    const chainFile = join(dir, 'inspected.pem');
    writeFileSync(chainFile, revoked.certPem + ca.cert.certPem);
    const args = ['inspect', chainFile, '--ca', join(dir, 'root.pem')];

    // Act
    const plain = await cli([...args, '--json']);
    const checked = await cli([...args, '--revocation', 'crl', '--json']);
    const human = await cli([...args, '--revocation', 'crl']);
    const past = await cli([...args, '--revocation', 'crl', '--at', '2026-01-01']);

    // Assess
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).chain[0].revocation).toBeUndefined();
    expect(checked.code).toBe(1);
    expect(
      JSON.parse(checked.stdout).chain.map((c: { revocation: { status: string } }) => c.revocation.status),
    ).toEqual(['revoked', 'good']);
    expect(human.stdout).toMatch(
      /REVOKED at .*, affiliationChanged \(crl http:\/\/127\.0\.0\.1:\d+\/issuing\/shard-7\.crl\)/,
    );
    expect(past).toMatchObject({ code: 2, stdout: '' });
    expect(past.stderr).toBe(
      'certwatch: --revocation cannot be combined with --at: a revocation status is a fact of now\n',
    );
  });

  it('reaches sources named by host through --resolve, as probe does (Google-style partitioned CRL path)', async () => {
    // Prepare: the leaf's CRL is at crl.revocation.example, which only a pin makes reachable
    const pinned = ca.issue({ name: HOST, crlUrls: [http.url('/issuing/shard-7.crl', CRL_HOST)] });
    publishCrls();
    const chainFile = join(dir, 'pinned.pem');
    writeFileSync(chainFile, pinned.certPem + ca.cert.certPem);
    const args = ['inspect', chainFile, '--ca', join(dir, 'root.pem'), '--revocation', 'crl', '--json'];

    // Act
    const unpinned = await cli(args);
    const viaPin = await cli([...args, '--resolve', `${CRL_HOST}:${http.port}:127.0.0.1`]);

    // Assess
    const statuses = (outcome: { stdout: string }) =>
      JSON.parse(outcome.stdout).chain.map((c: { revocation: { status: string } }) => c.revocation.status);
    expect(statuses(unpinned)).toEqual(['unknown', 'good']);
    expect(viaPin.code).toBe(0);
    expect(statuses(viaPin)).toEqual(['good', 'good']);
  });
});
