/**
 * The CT step's budget shared across a list of logs that answer slowly (within the request timeout), on
 * loopback: a log the budget did not reach is begun first the next run, so every log is read in turn.
 * Before, the list's order was kept, and a list longer than one budget reads never reached its tail (each
 * run marked the same logs "not read this run").
 */
import { parseLogList } from '../../lambdas/core/ct/log-list';
import type { CtLogState } from '../../lambdas/core/ct/log-state';
import { HostMatcher } from '../../lambdas/core/ct/matcher';
import { openCtHttp } from '../../lambdas/ct/http';
import { tailLogs } from '../../lambdas/ct/tail';
import { startCtLogServer, TestCtLog } from '../support/ct-log';

test('logs the budget did not reach are begun first the next run: three runs read three different logs', async () => {
  // Prepare: four logs read one at a time, each answer 1.5 s late; each run's budget falls during its first log
  const logs = Array.from(
    { length: 4 },
    (_, i) => new TestCtLog({ name: `slow${i}`, protocol: 'static-ct', now: () => Date.now() }),
  );
  for (const log of logs) log.publish();
  const server = await startCtLogServer(logs);
  const http = openCtHttp();
  const states = new Map<string, CtLogState>();
  const run = async () => {
    const tails = await tailLogs({
      logs: parseLogList(server.logList()).logs,
      states,
      matcher: new HostMatcher(['smtp.deadline.example']),
      http,
      now: new Date(),
      bounds: { maxEntries: 1000, maxBytes: 1 << 20, deadline: Date.now() + 1000, backfill: 0 },
      timeoutMs: 600_000,
      parallelLogs: 1,
    });
    for (const tail of tails) states.set(tail.log.id, tail.state);
    return tails.filter((t) => t.outcome === 'ok').map((t) => t.log.name);
  };
  for (const log of logs) log.faults = { delayMs: 1500 };
  try {
    // Act
    const read = [await run(), await run(), await run()];

    // Assess
    expect(read.map((names) => names.length)).toEqual([1, 1, 1]);
    expect(new Set(read.flat()).size).toBe(3);
  } finally {
    http.close();
    await server.close();
  }
}, 120_000);
