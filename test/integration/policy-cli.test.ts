import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { colonUpper } from '../../lambdas/core/policy/pins';
import { cli as certwatch } from '../support/cli';
import { HOST, useCliWorkspace } from './cycle-harness';

describe('certwatch --policy and pins (in-process CLI, real loopback servers, embedded store)', () => {
  const ws = useCliWorkspace('policy-cli');

  it('probe --policy: a YAML pin file judges each address; the refused one fails with exit 1', async () => {
    // Prepare
    const oldCert = await ws.pki.leaf();
    const newCert = await ws.pki.leaf();
    const pair = await ws.startPair(oldCert, newCert);
    const policy = join(ws.dir, 'policy.yaml');
    writeFileSync(
      policy,
      `policies:\n  - targets: ["${pair.target.url}"]\n    pins: ["${colonUpper(oldCert.chain.leaf.sha256)}"]\n`,
    );

    // Act
    const json = await certwatch(['probe', ...ws.probeArgs(pair), '--policy', policy, '--json']);
    const human = await certwatch(['probe', ...ws.probeArgs(pair), '--policy', policy]);

    // Assess
    expect(json.code).toBe(1);
    const verdicts = JSON.parse(json.stdout).map((o: { address: string; consumerPolicy: { ok: boolean } }) => [
      o.address,
      o.consumerPolicy.ok,
    ]);
    expect(verdicts).toEqual([
      ['127.0.0.2', true],
      ['127.0.0.3', false],
    ]);
    expect(human.stdout).toContain(`FAIL ${pair.target.url} 127.0.0.3 ecdsa`);
  });

  it('probe --policy with a bad pin is a usage error naming the entry', async () => {
    const policy = join(ws.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ policies: [{ targets: ['*'], pins: ['md5:abc'] }] }));
    const outcome = await certwatch(['probe', 'smtp://127.0.0.1:1', '--policy', policy]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^certwatch: --policy .*policy 1, pins\[0\] "md5:abc": /);
  });

  it('pins lists old and new leaves during a rollout with a keep-both line, in each format', async () => {
    // Prepare
    const oldCert = await ws.pki.leaf();
    const newCert = await ws.pki.leaf();
    const pair = await ws.startPair(oldCert, newCert);
    const store = join(ws.dir, 'store');
    await certwatch(['check', ...ws.probeArgs(pair), '--store', store, '--json']);

    // Act
    const postfix = await certwatch(['pins', '--store', store, '--format', 'postfix']);
    const tlsa = await certwatch(['pins', pair.target.url, '--store', store, '--format', 'tlsa']);
    const live = await certwatch(['pins', ...ws.probeArgs(pair), '--probe', '--json']);

    // Assess
    expect(postfix.code).toBe(0);
    const digests = [oldCert.chain.leaf.sha256, newCert.chain.leaf.sha256].map(colonUpper).sort();
    const line = postfix.stdout.split('\n').find((l) => l.startsWith('['));
    expect(line?.split(' match=')[1].split('|').sort()).toEqual(digests);
    expect(postfix.stdout).toContain('keep both until the rollout completes');
    expect(tlsa.stdout.split('\n').filter((l) => l.includes(' IN TLSA 3 1 1 '))).toHaveLength(2);
    expect(tlsa.stdout).toContain(`_${pair.port}._tcp.${HOST}. IN TLSA 3 1 1 `);
    const report = JSON.parse(live.stdout);
    expect(report[0].rollout).toEqual(['ecdsa']);
    expect(report[0].leaves.map((l: { pin: string }) => l.pin.startsWith('sha256/'))).toEqual([true, true]);
  });

  it('targets add --policy keeps the policy on the entry: check judges by it without --policy', async () => {
    // Prepare
    const oldCert = await ws.pki.leaf();
    const newCert = await ws.pki.leaf();
    const pair = await ws.startPair(oldCert, newCert);
    const store = join(ws.dir, 'store');
    const policy = join(ws.dir, 'pins.json');
    writeFileSync(policy, JSON.stringify({ policies: [{ targets: ['*'], pins: [oldCert.chain.leaf.sha256] }] }));
    const [url, ...probe] = ws.probeArgs(pair);

    // Act
    const added = await certwatch(['targets', 'add', url, '--policy', policy, '--store', store]);
    const refused = await certwatch(['targets', 'remove', url, '--policy', policy, '--store', store]);
    const checked = await certwatch(['check', ...probe, '--store', store, '--json']);

    // Assess
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`policy   ${url}: 1 policy from ${policy}`);
    expect(refused.code).toBe(2);
    const doc = JSON.parse(checked.stdout);
    expect(doc.observations.map((o: { consumerPolicy?: { ok: boolean } }) => o.consumerPolicy?.ok)).toEqual([
      true,
      false,
    ]);
    expect(doc.notices.map((n: { type: string }) => n.type)).toContain('POLICY_MISMATCH');
    expect(checked.code).toBe(1);
  });
});
