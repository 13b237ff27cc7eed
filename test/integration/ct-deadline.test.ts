/**
 * The CT step inside its time: logs that answer slowly (but within the request timeout) on loopback.
 * Before, every log was begun whatever the time and each request had its full timeout, so 20 slow logs
 * kept the deployed reader past its function timeout (killed: nothing saved, the same again next run).
 */
import { parseLogList } from '../../lambdas/core/ct/log-list';
import type { CtLogState } from '../../lambdas/core/ct/log-state';
import { HostMatcher } from '../../lambdas/core/ct/matcher';
import { openCtHttp } from '../../lambdas/ct/http';
import { tailLogs } from '../../lambdas/ct/tail';
import { startCtLogServer, TestCtLog } from '../support/ct-log';

async function slowWorld(count: number, delayMs: number) {
  const logs = Array.from(
    { length: count },
    (_, i) => new TestCtLog({ name: `slow${i}`, protocol: 'static-ct', now: () => Date.now() }),
  );
  for (const log of logs) log.publish();
  const server = await startCtLogServer(logs);
  const http = openCtHttp();
  const states = new Map<string, CtLogState>();
  const read = async (deadlineInMs: number) => {
    const tails = await tailLogs({
      logs: parseLogList(server.logList()).logs,
      states,
      matcher: new HostMatcher(['smtp.deadline.example']),
      http,
      now: new Date(),
      bounds: { maxEntries: 1000, maxBytes: 1 << 20, deadline: Date.now() + deadlineInMs, backfill: 0 },
      timeoutMs: 600_000,
      parallelLogs: 1,
    });
    for (const tail of tails) states.set(tail.log.id, tail.state);
    return tails;
  };
  for (const log of logs) log.faults = { delayMs };
  return {
    read,
    close: async () => {
      http.close();
      await server.close();
    },
  };
}

test('logs not begun by the deadline wait for the next cycle, which begins with them', async () => {
  // Prepare: four logs read one at a time, each answer 1.5 s late; the deadline falls during the first
  const world = await slowWorld(4, 1500);
  try {
    // Act
    const first = await world.read(1000);
    const second = await world.read(1000);

    // Assess: one log a cycle, never the same one twice in a row
    expect(first.map((t) => t.log.name)).toEqual(['slow0']);
    expect(second).toHaveLength(1);
    expect(second[0].log.name).not.toBe('slow0');
    expect(first[0].outcome).toBe('ok');
  } finally {
    await world.close();
  }
}, 120_000);

test('a request under way at the deadline is given no more than a short grace, not its full timeout', async () => {
  // Prepare: one log whose every answer comes after 60 s (within the 600 s request timeout)
  const world = await slowWorld(1, 60_000);
  try {
    // Act
    const [tail] = await world.read(2000);

    // Assess
    expect(tail.outcome).toBe('failed');
    expect(tail.state.lastError?.code).toBe('CT_TIMEOUT');
  } finally {
    await world.close();
  }
}, 120_000);
