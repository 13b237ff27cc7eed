/**
 * Rollouts end to end through the real compiled CLI: `certwatch check` as a child process under libfaketime
 * (one run every six simulated hours for five days), one store directory, real SMTP servers on loopback.
 * Three worlds, built apart from the simulator (test/fuzz/rollout-worlds.ts), watched in the same runs:
 * - a DNS answer naming one of two addresses per run (old on one, new on the other), then the rollout
 *   completing and, days later, a rollback;
 * - one load-balanced address answering old or new per connection, the new leaf's share rising
 *   0.1 → 1.0 over three days;
 * - one address of four frontends our source sticks to (every handshake of a run reaches the same one,
 *   moved now and then), switched one by one;
 * - one address of two backends, one on the new leaf from the third run on: each connection old or new
 *   at even odds for the rest of the five days.
 * Expected: one NEW_CERTIFICATE per world, no RETIRED/RETURNED storm, a RETURNED for the real rollback only.
 * A policy pins the load-balanced leaves and PIN_UNUSED waits no days (`pinUnusedAfterDays` 0), so a
 * retirement of a leaf still served would show at once as a pin "safe to remove": none for a new leaf.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '../../lambdas/core/notice';
import { Rng } from '../fuzz/prng';
import { type CheckRun, checkAt } from '../support/cli-process';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createPki, HOST, type Pki, type ServerPair, startPair } from './cycle-harness';

const HOUR = 3_600_000;
const STEP_HOURS = 6;
const RUNS = 21;
const [A, B] = ['127.0.0.2', '127.0.0.3'];
const VIP = '127.0.0.4';
const STICKY = '127.0.0.5';
const TWO = '127.0.0.6';

type Run = CheckRun;

type Leaf = ServerCert & { chain: { leaf: { sha256: string } } };

/** `certwatch check` of every target at a faked instant; `--resolve` pins are the DNS answers. */
function check(
  at: Date,
  targets: Array<{ url: string; port: number; addresses: string[] }>,
  store: string,
  files: { caFile: string; policyFile: string },
): Promise<Run> {
  const args = targets.map((t) => t.url);
  for (const t of targets) args.push('--resolve', `${HOST}:${t.port}:${t.addresses.join(',')}`);
  args.push('--ca', files.caFile, '--policy', files.policyFile, '--key-types', 'ecdsa', '--timeout', '5000');
  args.push('--store', store);
  return checkAt(at, args, undefined, { CERTWATCH_PIN_UNUSED_AFTER_DAYS: '0' });
}

describe('rollouts seen through the CLI (faketime, load-balanced addresses)', () => {
  let pki: Pki;
  let pair: ServerPair | undefined;
  const servers: SmtpTestServer[] = [];
  let dir: string;

  beforeAll(async () => {
    pki = await createPki('rollout-cli');
  });

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells each rollout once, retires nothing still served, and says RETURNED for the real rollback only', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'certwatch-rollout-'));
    const caFile = join(dir, 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
    const store = join(dir, 'store');
    const leaves = (await Promise.all(Array.from({ length: 8 }, () => pki.leaf()))) as Leaf[];
    const [pairOld, pairNew, vipOld, vipNew, stickyOld, stickyNew, twoOld, twoNew] = leaves;
    const sha = (leaf: Leaf) => leaf.chain.leaf.sha256;
    pair = await startPair(pki, pairOld, pairNew);
    const vip = await startSmtpTestServer({ address: VIP, certs: [vipOld], greeting: HOST });
    const sticky = await startSmtpTestServer({ address: STICKY, certs: [stickyOld], greeting: HOST });
    const two = await startSmtpTestServer({ address: TWO, certs: [twoOld], greeting: HOST });
    servers.push(vip, sticky, two);
    const vipUrl = `smtp://${HOST}:${vip.port}`;
    const twoUrl = `smtp://${HOST}:${two.port}`;
    const policyFile = join(dir, 'policy.json');
    const pins = [vipOld, vipNew, twoOld, twoNew].map(sha);
    writeFileSync(policyFile, JSON.stringify({ policies: [{ targets: [vipUrl, twoUrl], pins }] }));
    const rng = Rng.for(21, 'rollout-cli');
    let share = 0;
    vip.setPool(() => [rng.chance(share) ? vipNew : vipOld]);
    const switchedAt = [3, 6, 9, 12]; // runs at which each sticky frontend moves to the new leaf
    let frontend = 0;
    let run = 0;
    sticky.setPool(() => [run >= switchedAt[frontend] ? stickyNew : stickyOld]);
    const coin = Rng.for(21, 'rollout-cli', 'two-backends');
    two.setPool(() => [run >= 2 && coin.chance(0.5) ? twoNew : twoOld]);
    const start = Math.ceil(Date.now() / HOUR) * HOUR;
    const p = pair;

    // Act
    const runs: Run[] = [];
    for (run = 0; run < RUNS; run++) {
      share = run < 2 ? 0 : Math.min(1, 0.1 + (0.9 * (run - 2)) / 12);
      if (run === 0 || rng.chance(0.5)) frontend = rng.int(switchedAt.length);
      if (run === 8) p.servers[0].setCerts([pairNew]); // the rollout completes on A
      if (run === 18) p.servers[0].setCerts([pairOld]); // a rollback on A
      const targets = [
        { url: p.target.url, port: p.port, addresses: [run % 2 === 0 ? A : B] },
        { url: vipUrl, port: vip.port, addresses: [VIP] },
        { url: `smtp://${HOST}:${sticky.port}`, port: sticky.port, addresses: [STICKY] },
        { url: twoUrl, port: two.port, addresses: [TWO] },
      ];
      runs.push(await check(new Date(start + run * STEP_HOURS * HOUR), targets, store, { caFile, policyFile }));
    }

    // Assess
    const all = runs.flatMap((r, i) => r.notices.map((n) => ({ run: i, notice: n })));
    const about = (leaf: Leaf, type: string) =>
      all.filter(
        ({ notice }) =>
          notice.type === type && (notice.facts as { cert?: { sha256: string } }).cert?.sha256 === sha(leaf),
      );
    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    expect(all.filter(({ notice }) => notice.type === 'BASELINE').map((n) => n.run)).toEqual([0]);
    for (const leaf of [pairNew, vipNew, stickyNew, twoNew]) expect(about(leaf, 'NEW_CERTIFICATE')).toHaveLength(1);
    // The load-balanced address: progress as a share, never "0 of n"; nothing retired while served.
    const vipCreated = about(vipNew, 'NEW_CERTIFICATE')[0].notice;
    expect(vipCreated.text).toMatch(/New leaf on ~\d+ % of connections, 1 of 1 address/);
    for (const leaf of [vipOld, vipNew, stickyOld, stickyNew, twoOld, twoNew]) {
      expect(about(leaf, 'CERTIFICATE_RETURNED')).toEqual([]);
    }
    // No storm: at most one RETIRED per old leaf (pair, load-balanced, sticky), one RETURNED (the rollback).
    expect(all.filter(({ notice }) => notice.type === 'CERTIFICATE_RETIRED').length).toBeLessThanOrEqual(3);
    expect(all.filter(({ notice }) => notice.type === 'CERTIFICATE_RETURNED')).toHaveLength(1);
    // Two backends at even odds: both leaves served throughout, neither ever retired.
    expect(about(twoOld, 'CERTIFICATE_RETIRED')).toEqual([]);
    expect(about(twoNew, 'CERTIFICATE_RETIRED')).toEqual([]);
    // PIN_UNUSED (no wait): only ever for the old leaf of the load-balanced address, after its retirement.
    const unused = all.filter(({ notice }) => notice.type === 'PIN_UNUSED');
    const hex = (pin: string) => pin.replace(/:/g, '').toLowerCase();
    const unusedPins = unused.map(({ notice }) => hex((notice as Notice<'PIN_UNUSED'>).facts.pin));
    expect(unusedPins.filter((pin) => pin !== sha(vipOld))).toEqual([]);
    const vipRetiredAt = about(vipOld, 'CERTIFICATE_RETIRED').map((n) => n.run);
    expect(unused.every(({ run }) => vipRetiredAt.length > 0 && run >= vipRetiredAt[0])).toBe(true);
    expect(about(vipNew, 'CERTIFICATE_RETIRED')).toEqual([]);
    expect(about(stickyNew, 'CERTIFICATE_RETIRED')).toEqual([]);
    expect(about(vipOld, 'CERTIFICATE_RETIRED').every(({ run }) => run >= 14)).toBe(true);
    expect(about(stickyOld, 'CERTIFICATE_RETIRED').every(({ run }) => run >= 12)).toBe(true);
    // Sampling: during the rollout the load-balanced address answered several handshakes a run.
    const sampled = runs.flatMap((r) => r.observations).filter((o) => o.address === VIP && (o.samples ?? 1) > 1);
    expect(sampled.length).toBeGreaterThan(0);
    // The address pair: the old leaf retires once after the rollout completed, and returns with the rollback.
    expect(about(pairOld, 'CERTIFICATE_RETIRED').map((n) => n.run)).toEqual([expect.any(Number)]);
    expect(about(pairOld, 'CERTIFICATE_RETIRED')[0].run).toBeLessThan(18);
    expect(about(pairOld, 'CERTIFICATE_RETURNED').map((n) => n.run)).toEqual([18]);
    const returned = about(pairOld, 'CERTIFICATE_RETURNED')[0].notice as Notice<'CERTIFICATE_RETURNED'>;
    expect(returned.facts.addresses).toEqual([A]);
    expect(returned.facts.displaces.map((d) => d.sha256)).toEqual([sha(pairNew)]);
  }, 900_000);
});
