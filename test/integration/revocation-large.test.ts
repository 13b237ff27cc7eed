/**
 * A 50 MB CRL (a million entries, signed by a real CA key; openssl verifies a small one made the same
 * way) read by the real CLI — `certwatch inspect --revocation crl` as a child process — from a loopback
 * HTTP server: the serial is found, the signature checked, and the process's peak memory stays near that
 * of a run over a 50 KB CRL: the list is streamed, never held.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialOctets } from '../../lambdas/core/revocation/crl-scanner';
import { writeBigCrl } from '../support/big-crl';
import { type HttpFiles, startHttpFiles } from '../support/http-files';
import { type CaIssued, OpensslCa } from '../support/openssl-ca';

const BIN = join(__dirname, '..', '..', 'bin', 'certwatch.js');
const MAX_RSS = join(__dirname, '..', 'support', 'max-rss.cjs');
const MB = 1024 * 1024;

interface Inspected {
  code: number;
  verdict: { status: string; reason?: string; error?: { message: string } } | undefined;
  maxRssKb: number;
}

describe('a 50 MB CRL', () => {
  let dir: string;
  let http: HttpFiles;
  let ca: OpensslCa;
  const leaves: Record<'small' | 'big', CaIssued> = {} as never;

  function inspect(name: 'small' | 'big'): Promise<Inspected> {
    const chain = join(dir, `${name}.pem`);
    writeFileSync(chain, leaves[name].certPem + ca.cert.certPem);
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      NODE_OPTIONS: `--require ${MAX_RSS}`,
      // A generous deadline: the suite runs with both cores busy.
      CERTWATCH_PROBE_TIMEOUT_MS: '300000',
    };
    const args = [BIN, 'inspect', chain, '--ca', ca.cert.certPath, '--revocation', 'crl', '--json'];
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [...args, '--revocation-max-bytes', String(64 * MB)],
        { env, timeout: 300_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          const rss = /certwatch-max-rss-kb=(\d+)/.exec(stderr);
          if (!rss || !stdout) {
            reject(new Error(`inspect failed (exit ${code}): ${stderr}`));
            return;
          }
          const document = JSON.parse(stdout) as { chain: { revocation?: Inspected['verdict'] }[] };
          resolve({ code, verdict: document.chain[0].revocation, maxRssKb: Number(rss[1]) });
        },
      );
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-revocation-large-'));
    http = await startHttpFiles();
    ca = OpensslCa.create(join(dir, 'ca'), { name: 'Large CRL Issuing' });
    for (const name of ['small', 'big'] as const) {
      leaves[name] = ca.issue({ name: `${name}.revocation.example`, crlUrls: [http.url(`/${name}.crl`)] });
      const file = join(dir, `${name}.crl`);
      writeBigCrl({
        caDer: ca.cert.der,
        caKeyPath: ca.cert.keyPath,
        entries: name === 'big' ? 1_048_576 : 1_000,
        include: [Buffer.from(serialOctets(leaves[name].der))],
        thisUpdate: new Date(Date.now() - 60_000),
        nextUpdate: new Date(Date.now() + 86_400_000),
        out: file,
      });
      http.set(`/${name}.crl`, { file });
    }
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is made the way openssl reads it (a small one verifies with the CA)', () => {
    // Act
    const result = spawnSync(
      'openssl',
      ['crl', '-inform', 'DER', '-in', join(dir, 'small.crl'), '-CAfile', ca.cert.certPath, '-noout'],
      { encoding: 'utf8', timeout: 60_000 },
    );

    // Assess
    expect([result.status, result.stderr.trim()]).toEqual([0, 'verify OK']);
    expect(statSync(join(dir, 'big.crl')).size).toBeGreaterThan(50 * MB);
  });

  it('is searched while it streams: the serial found, the signature checked, peak memory as for 50 KB', async () => {
    // Act
    const small = await inspect('small');
    const big = await inspect('big');

    // Assess
    expect([small.code, big.code]).toEqual([1, 1]);
    expect(small.verdict).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(big.verdict).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    // Holding the list would cost at least its 50 MB; streaming costs a chunk and an entry.
    expect((big.maxRssKb - small.maxRssKb) * 1024).toBeLessThan(25 * MB);
    process.stderr.write(`max RSS: 50 KB CRL ${small.maxRssKb} kB, 50 MB CRL ${big.maxRssKb} kB\n`);
  }, 600_000);
});
