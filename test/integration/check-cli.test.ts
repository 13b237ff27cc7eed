import { join } from 'node:path';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { cli as certwatch, expectOneLineRefusal } from '../support/cli';
import { useLocalAwsCredentials } from '../support/local-aws-credentials';
import { HOST, useCliWorkspace } from './cycle-harness';

describe('certwatch check and history (in-process CLI, real loopback servers, embedded store)', () => {
  const ws = useCliWorkspace('cli');

  it('prints one JSON document with the observations and the BASELINE, then nothing new on the next run', async () => {
    // Prepare
    const pair = await ws.startPair(await ws.pki.leaf());
    const store = join(ws.dir, 'store');

    // Act
    const first = await certwatch(['check', ...ws.probeArgs(pair), '--store', store, '--json']);
    const second = await certwatch(['check', ...ws.probeArgs(pair), '--store', store, '--json']);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const doc = JSON.parse(first.stdout);
    expect(doc.observations.map((o: { address: string; ok: boolean }) => [o.address, o.ok])).toEqual([
      ['127.0.0.2', true],
      ['127.0.0.3', true],
    ]);
    expect(doc.notices.map((n: { type: string }) => n.type)).toEqual(['BASELINE']);
    expect(JSON.parse(second.stdout).notices).toEqual([]);
    expect(second.code).toBe(0);
  });

  it('prints the notices and a table, and history shows the certificate per target and per fingerprint', async () => {
    // Prepare
    const cert = await ws.pki.leaf();
    const pair = await ws.startPair(cert);
    const store = join(ws.dir, 'store');
    const sha = cert.chain.leaf.sha256;

    // Act
    const check = await certwatch(['check', ...ws.probeArgs(pair), '--store', store]);
    const all = await certwatch(['history', '--store', store]);
    const byFingerprint = await certwatch([
      'history',
      sha.toUpperCase().match(/../g)?.join(':') ?? '',
      '--store',
      store,
      '--json',
    ]);
    const byTarget = await certwatch(['history', pair.target.url, '--store', store, '--json']);

    // Assess
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(
      /^INFO BASELINE smtp:\/\/mx\.test\.example:\d+\n {4}baseline recorded: 1 target, 1 certificate\n/,
    );
    expect(check.stdout).toContain('2 observation(s), 0 failed');
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(sha.slice(0, 16));
    expect(all.stdout).toMatch(/active\s+leaf\s+ecdsa/);
    expect(all.stdout).toContain('127.0.0.2,127.0.0.3');
    const found = JSON.parse(byFingerprint.stdout);
    expect(found.targets).toHaveLength(1);
    expect(found.targets[0]).toMatchObject({
      target: pair.target.url,
      certificates: [{ sha256: sha, status: 'active' }],
    });
    const targetDoc = JSON.parse(byTarget.stdout);
    expect(targetDoc.targets[0].certificates.map((c: { role: string }) => c.role)).toEqual(['leaf', 'chain']);
  });

  it('says the same whole days to expiry in the notice text and the history table (issue #12)', async () => {
    // Prepare: 4 days and 23 h 40 min left; a tenth rounded up would read "5 days" in the notice. Issued 60
    // days ago: a lifetime long enough that the 7-day threshold applies as configured (docs/expiry.md).
    const cert = await ws.pki.leaf({ from: -60, to: 4 + 23 / 24 + 40 / 1440 });
    const pair = await ws.startPair(cert);
    const store = join(ws.dir, 'store');

    // Act
    const check = await certwatch(['check', ...ws.probeArgs(pair), '--store', store]);
    const history = await certwatch(['history', '--store', store]);

    // Assess
    expect(check.stdout).toMatch(/expires in 4 days\n/);
    expect(check.stdout).toMatch(/, 4 days left, sha256 /);
    expect(check.stdout).toMatch(/ 4d +trusted/);
    expect(history.stdout).toMatch(/ \(4d\)/);
    expect(check.stdout).not.toMatch(/\b5 ?d(ays)?\b/);
  });

  it('exits 1 when a critical notice is raised or a probe fails', async () => {
    // Prepare
    const pair = await ws.startPair(await ws.pki.leaf({ hostnames: ['elsewhere.example'] }));
    const refusedPort = pair.port === 65000 ? 65001 : 65000;

    // Act
    const mismatch = await certwatch(['check', ...ws.probeArgs(pair), '--store', join(ws.dir, 'a'), '--json']);
    const refused = await certwatch([
      'check',
      `smtp://${HOST}:${refusedPort}`,
      '--resolve',
      `${HOST}:${refusedPort}:127.0.0.9`,
      '--key-types',
      'ecdsa',
      '--store',
      join(ws.dir, 'b'),
    ]);

    // Assess
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.stdout).notices.map((n: { type: string }) => n.type)).toEqual([
      'BASELINE',
      'HOSTNAME_MISMATCH',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('CONNECT_REFUSED');
  });

  it.each([
    [['check', '--store', 'x', '--table', 'certwatch'], /--store and --table cannot be combined/],
    [['check', '--endpoint', 'http://127.0.0.1:1'], /--endpoint needs --table/],
    [['check', 'ftp://mx.example', '--store', 'x'], /scheme "ftp" is not supported/],
    [
      ['check', 'smtp://mx.example', '--topic-arn', 'not-an-arn', '--store', 'x'],
      /--topic-arn: "not-an-arn" is not an SNS topic ARN/,
    ],
    [['history', 'smtp://exa mple', '--store', 'x'], /fingerprint/],
  ])('exits 2 with one line on stderr for %j', async (argv, message) => {
    // Act
    const result = await certwatch(argv.map((a) => (a === 'x' ? join(ws.dir, 'x') : a)));

    // Assess
    expectOneLineRefusal(result, 2, message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 when the store directory is in use by another certwatch', async () => {
    // Prepare
    const store = join(ws.dir, 'busy');
    const holder = await startEmbeddedStore({ dir: store });

    // Act
    const result = await certwatch(['history', '--store', store]);
    await holder.close();

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/in use|already open/);
  });

  it('says there is no history, without creating a store, when the directory is empty', async () => {
    // Act
    const result = await certwatch(['history', '--store', join(ws.dir, 'nothing')]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No history of any target in /);
  });

  it('runs on a DynamoDB table through --table and --endpoint', async () => {
    // Prepare
    const pair = await ws.startPair(await ws.pki.leaf());
    const engine = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-cli' });
    const restoreCredentials = useLocalAwsCredentials();

    try {
      // Act
      const check = await certwatch([
        'check',
        ...ws.probeArgs(pair),
        '--table',
        'certwatch-cli',
        '--endpoint',
        engine.endpoint,
        '--json',
      ]);
      const history = await certwatch(['history', '--table', 'certwatch-cli', '--endpoint', engine.endpoint, '--json']);
      const missing = await certwatch(['history', '--table', 'no-such-table', '--endpoint', engine.endpoint]);

      // Assess
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout).notices.map((n: { type: string }) => n.type)).toEqual(['BASELINE']);
      expect(JSON.parse(history.stdout).targets.map((t: { target: string }) => t.target)).toEqual([pair.target.url]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/table "no-such-table" does not exist/);
    } finally {
      restoreCredentials();
      await engine.close();
    }
  });

  it('exits 1 with one line saying how many notices stay pending when SNS cannot be reached', async () => {
    // Prepare: an SNS endpoint on a loopback port nothing listens on.
    const pair = await ws.startPair(await ws.pki.leaf());
    const store = join(ws.dir, 'store');
    const names = ['AWS_ENDPOINT_URL_SNS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_MAX_ATTEMPTS'] as const;
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'certwatch',
      AWS_SECRET_ACCESS_KEY: 'certwatch',
      AWS_MAX_ATTEMPTS: '1',
    });

    try {
      // Act
      const run = await certwatch([
        'check',
        ...ws.probeArgs(pair),
        '--store',
        store,
        '--topic-arn',
        'arn:aws:sns:us-east-1:123456789012:certwatch',
      ]);

      // Assess
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^certwatch: 1 notice could not be published and stays pending for the next cycle \(/);
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  });
});
