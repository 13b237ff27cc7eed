/**
 * A rollout end to end through the real CLI: `certwatch check` as a child process under libfaketime
 * (simulated hours and days), one store directory, real SMTP servers on two loopback addresses, and a
 * `--resolve` pin that names a different address each cycle, as Google's DNS answers do.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '../../lambdas/core/notice';
import { createPki, HOST, type Pki, type ServerPair, startPair } from './cycle-harness';

const BIN = join(__dirname, '..', '..', 'bin', 'certwatch.js');
const HOUR = 3_600_000;
const A = '127.0.0.2';
const B = '127.0.0.3';

interface Run {
  code: number;
  notices: Notice[];
  stderr: string;
}

/** `certwatch check` at a faked instant; the DNS answer is `addresses`. */
function check(at: Date, pair: ServerPair, addresses: string[], store: string, caFile: string): Promise<Run> {
  const stamp = at.toISOString().slice(0, 19).replace('T', ' ');
  const args = [
    stamp,
    process.execPath,
    BIN,
    'check',
    pair.target.url,
    '--resolve',
    `${HOST}:${pair.port}:${addresses.join(',')}`,
    '--ca',
    caFile,
    '--key-types',
    'ecdsa',
    '--timeout',
    '5000',
    '--store',
    store,
    '--json',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'faketime',
      args,
      { env: { ...process.env, TZ: 'UTC' }, timeout: 60_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          resolve({ code, notices: (JSON.parse(stdout) as { notices: Notice[] }).notices, stderr });
        } catch (cause) {
          reject(new Error(`certwatch check printed no JSON (exit ${code}): ${stderr}`, { cause }));
        }
      },
    );
  });
}

describe('a rollout seen through the CLI (faketime, changing --resolve answers)', () => {
  let pki: Pki;
  let pair: ServerPair | undefined;
  let dir: string;

  beforeAll(async () => {
    pki = await createPki('rollout-cli');
  });

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces the new leaf once, retires the old one once, and says when it returns', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'certwatch-rollout-'));
    const caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
    const store = join(dir, 'store');
    const [oldLeaf, newLeaf] = [await pki.leaf(), await pki.leaf()];
    pair = await startPair(pki, oldLeaf, newLeaf);
    const start = Math.ceil(Date.now() / HOUR) * HOUR;
    const t = (hours: number) => new Date(start + hours * HOUR);
    const p = pair;
    const run = (hours: number, addresses: string[]) => check(t(hours), p, addresses, store, caFile);

    // Act: DNS names one address per cycle; A serves the old leaf, B the new one.
    const rollout = [await run(0, [A]), await run(1, [B]), await run(2, [A]), await run(3, [B])];
    pair.servers[0].setCerts([newLeaf]);
    const done = [await run(4, [A]), await run(5, [B])];
    pair.servers[0].setCerts([oldLeaf]);
    const rollback = await run(29, [A]);

    // Assess
    const types = (runs: Run[]) => runs.map((r) => r.notices.map((n) => n.type));
    expect(types(rollout)).toEqual([['BASELINE'], ['NEW_CERTIFICATE'], [], []]);
    expect(rollout[1].notices[0].subject).toContain('(1 of 2 addresses)');
    expect(types(done)).toEqual([[], ['CERTIFICATE_RETIRED']]);
    const retired = done[1].notices[0] as Notice<'CERTIFICATE_RETIRED'>;
    expect(retired.facts.cert.sha256).toBe(oldLeaf.chain.leaf.sha256);
    expect(retired.facts.successors.map((s) => s.sha256)).toEqual([newLeaf.chain.leaf.sha256]);
    expect(types([rollback])).toEqual([['CERTIFICATE_RETURNED']]);
    const returned = rollback.notices[0] as Notice<'CERTIFICATE_RETURNED'>;
    expect(returned.facts.addresses).toEqual([A]);
    expect(returned.facts.goneHours).toBe(27);
    expect(returned.facts.displaces.map((d) => d.sha256)).toEqual([newLeaf.chain.leaf.sha256]);
    expect([...rollout, ...done, rollback].map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  }, 240_000);
});
