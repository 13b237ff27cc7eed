/**
 * Revocation through `certwatch check` on simulated hours and days (libfaketime), one store directory,
 * real parts on loopback: SMTP servers presenting chains of a real `openssl ca`, its CRLs served by a
 * loopback HTTP server, `openssl ocsp` as the responder (at a URL with a path). Three targets:
 * - A: its leaf turns revoked (CRL and OCSP agree) → one CERTIFICATE_REVOKED, none again the same day,
 *   one reminder the next day; the verdict comes from the store's cache while it is current;
 * - B: its CRL answers 503 every cycle → REVOCATION_UNKNOWN once a day has passed, not before;
 * - C: its OCSP responder hangs → unknown each cycle, the cycle bounded by the probe timeout;
 * then `--revocation off`, which fetches nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '../../lambdas/core/notice';
import { type CheckRun, checkAt } from '../support/cli-process';
import { type HttpFiles, startHttpFiles } from '../support/http-files';
import { type CaIssued, type OcspResponder, OpensslCa } from '../support/openssl-ca';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const HOUR = 3_600_000;
const CRL_HOST = 'crl.revocation.example';
const HOSTS = { A: 'a.revocation.example', B: 'b.revocation.example', C: 'c.revocation.example' } as const;
type Name = keyof typeof HOSTS;

type Run = CheckRun;

describe('revocation through certwatch check (faketime, simulated days)', () => {
  let dir: string;
  let http: HttpFiles;
  let responder: OcspResponder;
  let root: OpensslCa;
  let ca: OpensslCa;
  const leaves = {} as Record<Name, CaIssued>;
  const servers = {} as Record<Name, SmtpTestServer>;

  /** `certwatch check` of the three targets at a faked instant. */
  function check(at: Date, ...extra: string[]): Promise<Run> {
    const names = Object.keys(HOSTS) as Name[];
    return checkAt(at, [
      ...names.map((n) => `smtp://${HOSTS[n]}:${servers[n].port}`),
      ...names.flatMap((n) => ['--resolve', `${HOSTS[n]}:${servers[n].port}:127.0.0.1`]),
      '--resolve',
      `${CRL_HOST}:${http.port}:127.0.0.1`,
      '--ca',
      join(dir, 'root.pem'),
      '--key-types',
      'ecdsa',
      '--timeout',
      '3000',
      '--store',
      join(dir, 'store'),
      ...extra,
    ]);
  }

  const leafVerdict = (run: Run, name: Name) =>
    run.observations.find((o) => o.host === HOSTS[name])?.chain[0].revocation;
  const typesOf = (run: Run) =>
    run.notices.map((n) => (n.type === 'BASELINE' ? n.type : `${n.type} ${n.hosts.join(',')}`));
  const crlRequests = (path: string) => http.requests.filter((r) => r === `GET ${path}`).length;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-revocation-check-'));
    http = await startHttpFiles();
    root = OpensslCa.create(join(dir, 'root'), { name: 'Check Root' });
    writeFileSync(join(dir, 'root.pem'), root.cert.certPem);
    ca = OpensslCa.create(join(dir, 'ca'), { name: 'Check Issuing', parent: root, crlUrls: [http.url('/root.crl')] });
    responder = await ca.startResponder({ path: '/wr2' });
    leaves.A = ca.issue({ name: HOSTS.A, crlUrls: [http.url('/wr2/shard-1.crl', CRL_HOST)], ocspUrl: responder.url });
    leaves.B = ca.issue({ name: HOSTS.B, crlUrls: [http.url('/broken.crl', CRL_HOST)] });
    leaves.C = ca.issue({ name: HOSTS.C, ocspUrl: http.url('/hang/ocsp') });
    http.set('/broken.crl', { handle: (_req, _body, res) => res.writeHead(503).end() });
    http.set('/hang/ocsp', { hang: true });
    for (const name of Object.keys(HOSTS) as Name[]) {
      servers[name] = await startSmtpTestServer({
        certs: [
          { keyPem: readFileSync(leaves[name].keyPath, 'utf8'), chainPem: leaves[name].certPem + ca.cert.certPem },
        ],
        greeting: HOSTS[name],
      });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    await responder?.close();
    await http?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('good → revoked once → no repeat the same day → a reminder the next day; unknown for a day → one warning', async () => {
    // Prepare: the simulated day starts at the next UTC midnight; the first answers stop counting
    // 30 minutes into it, so the second cycle fetches again.
    const midnight = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR;
    const t = (hours: number) => new Date(midnight + HOUR + hours * HOUR);
    const firstAnswersUntil = new Date(t(0).getTime() + 30 * 60_000);
    const publish = (until?: Date) => {
      http.set('/wr2/shard-1.crl', { bytes: ca.crl(until ? { nextUpdate: until } : { hours: 72 }) });
      http.set('/root.crl', { bytes: root.crl({ hours: 96 }) });
    };
    publish(firstAnswersUntil);
    await responder.close();
    responder = await ca.startResponder({
      path: '/wr2',
      port: responder.port,
      validityMinutes: Math.ceil((firstAnswersUntil.getTime() - Date.now()) / 60_000),
    });

    // Act
    const first = await check(t(0));
    ca.revoke(leaves.A, 'keyCompromise');
    publish();
    await responder.close();
    responder = await ca.startResponder({ path: '/wr2', port: responder.port, validityMinutes: 3 * 24 * 60 });
    const revoked = await check(t(2));
    const fetchedForRevoked = crlRequests('/wr2/shard-1.crl');
    const sameDay = await check(t(3));
    const nextDay = await check(t(25));
    const before = http.requests.length;
    const off = await check(t(26), '--revocation', 'off');

    // Assess: cycle 1, a baseline; A good, B and C unknown
    expect(typesOf(first)).toEqual(['BASELINE']);
    expect(leafVerdict(first, 'A')).toMatchObject({ status: 'good', source: 'ocsp', url: responder.url });
    expect(leafVerdict(first, 'B')).toMatchObject({ status: 'unknown', error: { code: 'FETCH_FAILED' } });
    expect(leafVerdict(first, 'B')?.error?.message).toContain('HTTP 503');
    expect(leafVerdict(first, 'C')).toMatchObject({ status: 'unknown', source: 'ocsp' });
    expect(leafVerdict(first, 'C')?.error?.message).toMatch(/no complete answer in 3000 ms|revocation time/);
    expect(first.code).toBe(0);

    // cycle 2: A revoked (both sources fetched again), one critical notice, exit 1
    expect(typesOf(revoked)).toEqual([`CERTIFICATE_REVOKED ${HOSTS.A}`]);
    const notice = revoked.notices[0] as Notice<'CERTIFICATE_REVOKED'>;
    expect(notice.severity).toBe('critical');
    expect(notice.facts).toMatchObject({
      reason: 'keyCompromise',
      addresses: ['127.0.0.1'],
      reminderDay: null,
      cert: { sha256: revoked.observations.find((o) => o.host === HOSTS.A)?.chain[0].sha256 },
    });
    expect(revoked.code).toBe(1);

    // cycle 3, same day: nothing again; the verdict came from the store's cache (no CRL fetch)
    expect(typesOf(sameDay)).toEqual([]);
    expect(leafVerdict(sameDay, 'A')).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(crlRequests('/wr2/shard-1.crl')).toBe(fetchedForRevoked);
    expect(sameDay.code).toBe(0);

    // cycle 4, the next day: the reminder (its own key) and B's day of unknown
    expect(typesOf(nextDay).sort()).toEqual(
      [`CERTIFICATE_REVOKED ${HOSTS.A}`, `REVOCATION_UNKNOWN ${HOSTS.B}`, `REVOCATION_UNKNOWN ${HOSTS.C}`].sort(),
    );
    const reminder = nextDay.notices.find((n) => n.type === 'CERTIFICATE_REVOKED') as Notice<'CERTIFICATE_REVOKED'>;
    expect(reminder.dedupeKey).toBe(`${notice.dedupeKey}#${t(25).toISOString().slice(0, 10)}`);
    expect(reminder.facts.reminderDay).toBe(t(25).toISOString().slice(0, 10));

    // --revocation off: no fetch, no field, no notice
    expect(http.requests.length).toBe(before);
    expect(off.observations.every((o) => o.chain.every((c) => c.revocation === undefined))).toBe(true);
    expect(typesOf(off)).toEqual([]);
  }, 600_000);
});
