/**
 * The bounds of the local shard worker pool, with real child processes (small Node scripts standing in
 * for the worker): a worker past its deadline is killed, an answer past the cap is refused, a worker
 * that fails says why, and each failed shard gets exactly one more attempt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShardWorkers } from '../../lambdas/cli/shard-workers';
import type { ShardJob } from '../../lambdas/run/shard-job';

const jobs = (count: number): ShardJob[] =>
  Array.from({ length: count }, (_, shard) => ({
    order: { runId: 'r', now: new Date(0).toISOString(), shard, shardCount: count },
    store: { kind: 'local', endpoint: 'http://127.0.0.1:9', tableName: 't' },
    probeOptions: { keyTypes: ['ecdsa'], timeoutMs: 1000, resolve: [], concurrency: 1 },
  }));

describe('shard worker pool (real child processes)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-pool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return { file: process.execPath, args: [file] };
  };

  it('kills a worker that does not answer in time and retries it once', async () => {
    // Prepare
    const command = script('hang.cjs', 'setInterval(() => {}, 1000);');

    // Act
    const [outcome] = await runShardWorkers(jobs(1), { command, timeoutMs: 300 });

    // Assess
    expect(outcome).toMatchObject({ shard: 0, attempts: 2, error: expect.stringMatching(/no answer within 300 ms/) });
  });

  it('refuses an answer larger than the cap', async () => {
    // Prepare
    const command = script('loud.cjs', "process.stdout.write('x'.repeat(5000));");

    // Act
    const [outcome] = await runShardWorkers(jobs(1), { command, maxAnswerBytes: 1000 });

    // Assess
    expect(outcome.error).toMatch(/answer larger than 1000 bytes/);
  });

  it('reports what a failing worker said, and runs the others to the end', async () => {
    // Prepare: shard 1 fails every time; the others answer with their shard and pid; attempts are logged
    const log = join(dir, 'attempts.log');
    const command = script(
      'mixed.cjs',
      [
        "const fs = require('node:fs');",
        'const chunks = [];',
        "process.stdin.on('data', (c) => chunks.push(c));",
        "process.stdin.on('end', () => {",
        '  const { order } = JSON.parse(Buffer.concat(chunks).toString());',
        `  fs.appendFileSync(${JSON.stringify(log)}, order.shard + '\\n');`,
        "  if (order.shard === 1) { process.stderr.write('certwatch: table gone\\n'); process.exit(1); }",
        '  process.stdout.write(JSON.stringify({ pid: process.pid, result: { observations: [], notices: [], published: [] } }));',
        '});',
      ].join('\n'),
    );

    // Act
    const outcomes = await runShardWorkers(jobs(3), { command, workers: 2 });

    // Assess
    expect(outcomes.map((o) => [o.shard, o.attempts, o.error ?? null])).toEqual([
      [0, 1, null],
      [1, 2, 'worker exited with code 1: table gone'],
      [2, 1, null],
    ]);
    expect(outcomes[0].answer?.pid).not.toBe(process.pid);
    const attempts = readFileSync(log, 'utf8').trim().split('\n').sort();
    expect(attempts).toEqual(['0', '1', '1', '2']);
  });
});
