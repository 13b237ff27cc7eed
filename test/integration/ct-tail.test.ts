/**
 * Tailing real logs on loopback: the test CT log (demo/support/ct-log, its own Merkle tree) served over
 * both protocols, precertificates and certificates made by openssl, every answer verified by the reader.
 * Faults: forged signature, fork, shrinking tree, altered entries, bad tiles, readonly, slow.
 */
import { parseLogList } from '../../lambdas/core/ct/log-list';
import type { CtLogState } from '../../lambdas/core/ct/log-state';
import { HostMatcher } from '../../lambdas/core/ct/matcher';
import { openCtHttp } from '../../lambdas/ct/http';
import { type LogTail, tailLogs } from '../../lambdas/ct/tail';
import { type CtCa, leafKey, openCtCa } from '../support/ct-certs';
import { issueThroughLogs, startCtLogServer, TestCtLog, type TestLogProtocol } from '../support/ct-log';
import { createRoot, type Issued, issue } from '../support/pki';

const DAY = 86_400_000;
let clock = Date.parse('2026-03-01T00:00:00Z');
const now = () => clock;

let ca: CtCa;
let chain: Buffer[];
let serial = 0x1000;

beforeAll(async () => {
  const root: Issued = await createRoot({ name: 'CT Tail Root', keyType: 'ecdsa' });
  const intermediate = await issue(root, { name: 'CT Tail Intermediate', isCa: true, keyType: 'ecdsa' });
  ca = openCtCa(intermediate);
  chain = [intermediate.der, root.der];
});

afterAll(() => ca?.close());

/** A world: logs, their server and the stored states; each cycle reads through a transport of its own. */
async function world(protocols: TestLogProtocol[], maxBatch = 40) {
  const logs = protocols.map((protocol, i) => new TestCtLog({ name: `log${i}-${protocol}`, protocol, now }));
  for (const log of logs) log.publish();
  const server = await startCtLogServer(logs, { maxBatch });
  const states = new Map<string, CtLogState>();
  const matcher = new HostMatcher(['smtp.tail.example', 'mx.other.example']);
  const cycle = async (
    options: { maxEntries?: number; backfill?: number; timeoutMs?: number; budgetMs?: number } = {},
  ) => {
    clock += 60_000;
    const list = parseLogList(server.logList());
    // One transport per cycle, as the CT step opens one per run: a connection kept alive from an earlier
    // cycle may meet the server closing it as idle (its keep-alive timeout passes between cycles on a
    // loaded machine) and reset.
    const http = openCtHttp();
    const results = await tailLogs({
      logs: list.logs,
      states,
      matcher,
      http,
      now: new Date(clock),
      bounds: {
        maxEntries: options.maxEntries ?? 100_000,
        maxBytes: 64 * 1024 * 1024,
        // Generous: the suite runs with both cores busy; the bounds under test are entries and bytes.
        deadline: Date.now() + (options.budgetMs ?? 600_000),
        backfill: options.backfill ?? 0,
      },
      timeoutMs: options.timeoutMs ?? 60_000,
    }).finally(() => http.close());
    for (const r of results) states.set(r.log.id, r.state);
    return results;
  };
  const close = () => server.close();
  return { logs, server, states, cycle, close };
}

function certFor(names: string[], logs: TestCtLog[]) {
  serial += 1;
  return issueThroughLogs(
    ca,
    chain,
    {
      names,
      serial: serial.toString(16),
      notBefore: new Date(clock),
      notAfter: new Date(clock + 90 * DAY),
    },
    leafKey(),
    logs,
  );
}

const byLog = (results: LogTail[], log: TestCtLog) => results.find((r) => r.log.name === log.name) as LogTail;

let current: Awaited<ReturnType<typeof world>> | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});

test.each(['rfc6962', 'static-ct'] as const)(
  '%s: a precertificate, then its final certificate, are read once each and link by their TBS',
  async (protocol) => {
    // Prepare
    current = await world([protocol]);
    const [log] = current.logs;
    log.addFiller(300);
    log.publish();
    const met = await current.cycle();
    const issued = certFor(['smtp.tail.example'], [log]);
    log.addFiller(10);
    log.publish();

    // Act
    const second = await current.cycle();
    log.addCertificate(issued.certificate, chain);
    log.publish();
    const third = await current.cycle();
    const fourth = await current.cycle();

    // Assess
    expect(byLog(met, log)).toMatchObject({ outcome: 'ok', entries: 0, matches: [] });
    const [pre] = byLog(second, log).matches;
    expect(byLog(second, log).entries).toBe(11);
    expect(pre.facts).toMatchObject({ precertificate: true, sha256: null, dnsNames: ['smtp.tail.example'] });
    expect(pre.hosts).toEqual(['smtp.tail.example']);
    expect(pre.entry.index).toBe(300);
    expect(pre.chain.map((c) => c.toString('hex'))).toEqual(chain.map((c) => c.toString('hex')));
    const [final] = byLog(third, log).matches;
    expect(final.facts.precertificate).toBe(false);
    expect(final.facts.linkKey).toBe(pre.facts.linkKey);
    expect(byLog(fourth, log)).toMatchObject({ outcome: 'ok', entries: 0, matches: [] });
    expect(current.states.get(byLog(fourth, log).log.id)).toMatchObject({ position: 312, lastError: null });
  },
);

test('the same certificate logged in two logs of either protocol is found in both', async () => {
  // Prepare
  current = await world(['rfc6962', 'static-ct']);
  await current.cycle();
  const issued = certFor(['smtp.tail.example'], current.logs);
  for (const log of current.logs) log.publish();

  // Act
  const results = await current.cycle();

  // Assess
  const keys = results.flatMap((r) => r.matches.map((m) => m.facts.linkKey));
  expect(keys).toHaveLength(2);
  expect(new Set(keys).size).toBe(1);
  expect(issued.scts.map((s) => s.index)).toEqual([0, 0]);
});

test('a wildcard covering a watched host matches; a name only containing it does not', async () => {
  // Prepare
  current = await world(['static-ct']);
  const [log] = current.logs;
  await current.cycle();
  certFor(['notsmtp.tail.example', 'smtp.tail.example.evil.test'], [log]);
  certFor(['*.tail.example'], [log]);

  // Act
  const results = await current.cycle();

  // Assess
  const matches = byLog(results, log).matches;
  expect(matches.map((m) => [m.facts.dnsNames, m.hosts])).toEqual([[['*.tail.example'], ['smtp.tail.example']]]);
});

test('a first meeting starts at the current size unless asked to look back', async () => {
  // Prepare
  current = await world(['rfc6962', 'static-ct']);
  for (const log of current.logs) {
    certFor(['smtp.tail.example'], [log]);
    log.addFiller(5);
    log.publish();
  }

  // Act
  const backfilled = await current.cycle({ backfill: 6 });

  // Assess
  expect(backfilled.map((r) => [r.entries, r.matches.length])).toEqual([
    [6, 1],
    [6, 1],
  ]);
});

test.each(['rfc6962', 'static-ct'] as const)(
  '%s: work is bounded per cycle and resumes where it stopped: nothing skipped, nothing read twice',
  async (protocol) => {
    // Prepare
    current = await world([protocol]);
    const [log] = current.logs;
    await current.cycle();
    for (let i = 0; i < 5; i++) {
      log.addFiller(150);
      certFor(['mx.other.example'], [log]);
    }
    log.publish();

    // Act
    const seen: number[] = [];
    let cycles = 0;
    for (; cycles < 20; cycles++) {
      const [r] = await current.cycle({ maxEntries: 200 });
      expect({ outcome: r.outcome, error: r.state.lastError?.message }).toEqual({ outcome: 'ok', error: undefined });
      expect(r.entries).toBeLessThanOrEqual(256 + 200);
      seen.push(...r.matches.map((m) => m.entry.index));
      if (r.state.position === log.size) break;
    }

    // Assess
    expect(seen).toEqual([150, 301, 452, 603, 754]);
    expect(cycles).toBeGreaterThan(1);
  },
);

test.each(['rfc6962', 'static-ct'] as const)(
  '%s: a forged signature, a fork and a shrinking tree make the log inconsistent; its position stays',
  async (protocol) => {
    // Prepare
    current = await world([protocol]);
    const [log] = current.logs;
    log.addFiller(20);
    log.publish();
    await current.cycle({ backfill: 20 });
    const good = current.states.get(log.logId.toString('base64')) as CtLogState;
    certFor(['smtp.tail.example'], [log]);

    // Act: a forged head, then the same log honest again.
    log.faults.forgeSignature = true;
    log.publish();
    const forged = await current.cycle();
    const again = await current.cycle();
    log.faults.forgeSignature = false;
    log.publish();
    const recovered = await current.cycle();
    // A fork: entry 3 rewritten in the past.
    log.addFiller(2);
    log.fork(3);
    const forked = await current.cycle();
    const forkedState = current.states.get(good.logId) as CtLogState;

    // Assess
    expect(forged[0]).toMatchObject({ outcome: 'inconsistent', matches: [] });
    expect(forged[0].state).toMatchObject({ position: 20, incidents: 1, inconsistent: { incident: 1 } });
    expect(again[0].state.inconsistent?.incident).toBe(1);
    expect(recovered[0]).toMatchObject({ outcome: 'ok', state: { inconsistent: null, incidents: 1 } });
    expect(recovered[0].matches).toHaveLength(1);
    expect(forked[0].outcome).toBe('inconsistent');
    expect(forkedState.inconsistent).toMatchObject({ incident: 2, reason: expect.stringMatching(/fork/) });
    expect(forkedState.position).toBe(21);
  },
);

test('a tree that shrinks is inconsistent', async () => {
  // Prepare
  current = await world(['rfc6962']);
  const [log] = current.logs;
  log.addFiller(10);
  log.publish();
  await current.cycle({ backfill: 10 });

  // Act
  log.publish(7);
  const [r] = await current.cycle();

  // Assess
  expect(r.outcome).toBe('inconsistent');
  expect(r.state.inconsistent?.reason).toMatch(/shrank from 10 to 7/);
  expect(r.state.position).toBe(10);
});

test.each(['rfc6962', 'static-ct'] as const)(
  '%s: entries served differently from the signed tree are refused, though the heads are consistent',
  async (protocol) => {
    // Prepare
    current = await world([protocol]);
    const [log] = current.logs;
    await current.cycle();
    log.addFiller(30);
    certFor(['smtp.tail.example'], [log]);
    log.publish();
    log.faults.alterEntry = 12;

    // Act
    const [r] = await current.cycle();

    // Assess
    expect(r).toMatchObject({ outcome: 'inconsistent', matches: [] });
    expect(r.state.inconsistent?.reason).toMatch(/do not give the signed root/);
    expect(r.state.position).toBe(0);
  },
);

test.each([['truncate'], ['oversize'], ['gzip-bomb']] as const)(
  'a %s data tile is refused and retried; nothing of it is used until the log serves it right',
  async (fault) => {
    // Prepare
    current = await world(['static-ct']);
    const [log] = current.logs;
    await current.cycle();
    certFor(['smtp.tail.example'], [log]);
    log.addFiller(3);
    log.faults.dataTile = fault;

    // Act
    const [bad] = await current.cycle();
    log.faults.dataTile = undefined;
    const [good] = await current.cycle();

    // Assess
    expect(bad).toMatchObject({ outcome: 'failed', matches: [], state: { position: 0 } });
    expect(bad.state.lastError?.code).toBe(fault === 'gzip-bomb' ? 'CT_TOO_LARGE' : 'CT_BAD_ANSWER');
    expect(bad.state.inconsistent).toBeNull();
    expect(good).toMatchObject({ outcome: 'ok', state: { position: 4, lastError: null } });
    expect(good.matches).toHaveLength(1);
  },
);

test('a truncated hash tile is refused as a bad answer, not an inconsistency', async () => {
  // Prepare
  current = await world(['static-ct']);
  const [log] = current.logs;
  log.addFiller(300);
  await current.cycle({ backfill: 10 });
  log.addFiller(20);
  log.faults.hashTile = 'truncate';

  // Act
  const [r] = await current.cycle();

  // Assess
  expect(r.outcome).toBe('failed');
  expect(r.state.lastError?.message).toMatch(/bytes, not/);
});

test.each(['rfc6962', 'static-ct'] as const)(
  '%s: a log met while empty is read from its first entry (no proof is asked from the empty tree)',
  async (protocol) => {
    // Prepare
    current = await world([protocol]);
    const [log] = current.logs;
    await current.cycle();
    certFor(['smtp.tail.example'], [log]);
    log.addFiller(2);
    log.publish();

    // Act
    const [r] = await current.cycle();
    const [again] = await current.cycle();

    // Assess
    expect(r).toMatchObject({ outcome: 'ok', state: { position: 3, lastError: null } });
    expect(r.matches.map((m) => m.entry.index)).toEqual([0]);
    expect(again).toMatchObject({ outcome: 'ok', matches: [], state: { position: 3 } });
  },
);

test('a partial tile dropped once its full tile exists is read from the full tile', async () => {
  // Prepare: met at 100; then a certificate and 300 more entries are sequenced (tiles written), but the
  // checkpoint the reader gets is at 200, whose partial tiles (width 200) the log has already dropped.
  current = await world(['static-ct']);
  const [log] = current.logs;
  log.addFiller(100);
  await current.cycle();
  log.faults.partialsGone = true;
  log.addFiller(50);
  certFor(['smtp.tail.example'], [log]);
  log.addFiller(349);
  log.publish(200);

  // Act
  const [r] = await current.cycle();

  // Assess
  expect(r).toMatchObject({ outcome: 'ok', state: { position: 200, lastError: null } });
  expect(r.matches.map((m) => m.entry.index)).toEqual([150]);
});

test('a log going readonly is read to its final tree head, then no more is fetched from it', async () => {
  // Prepare
  current = await world(['rfc6962']);
  const [log] = current.logs;
  await current.cycle();
  certFor(['smtp.tail.example'], [log]);
  log.publish();
  log.state = 'readonly';

  // Act
  const [last] = await current.cycle();
  const before = current.server.requests.length;
  const [after] = await current.cycle();

  // Assess
  expect(last.matches).toHaveLength(1);
  expect(after).toMatchObject({ outcome: 'ok', entries: 0 });
  expect(current.server.requests.length).toBe(before);
});

test('a slow log fails within the deadline and is retried, not called inconsistent', async () => {
  // Prepare
  current = await world(['rfc6962', 'static-ct']);
  await current.cycle();
  const [slow, hung] = current.logs;
  slow.faults.delayMs = 3_000;
  hung.faults.hang = true;

  // Act
  const results = await current.cycle({ timeoutMs: 300 });

  // Assess
  expect(results.map((r) => [r.outcome, r.state.lastError?.code, r.state.inconsistent])).toEqual([
    ['failed', 'CT_TIMEOUT', null],
    ['failed', 'CT_TIMEOUT', null],
  ]);
});

test('a log serving short pages slowly is read only until the deadline: the rest waits for the next cycle', async () => {
  // Prepare: 2,000 new entries served 4 per answer, each answer late; a 1.5 s budget.
  current = await world(['rfc6962'], 4);
  const [log] = current.logs;
  await current.cycle();
  log.addFiller(2000);
  log.publish();
  log.faults.delayMs = 300;
  const asked = () => current?.server.requests.filter((r) => r.includes('get-entries')).length ?? 0;

  // Act
  const before = asked();
  const [r] = await current.cycle({ budgetMs: 1500 });

  // Assess: without the deadline inside a window, each window of 256 would take 64 answers.
  expect(asked() - before).toBeLessThan(64);
  expect(r).toMatchObject({ outcome: 'ok', state: { lastError: null, inconsistent: null } });
  // What was read before the deadline is verified and kept.
  expect(r.state.position).toBeGreaterThan(0);
  expect(r.state.position).toBeLessThan(2000);
});

test('an RFC 6962 log holding entries back (its merge delay) shows them once its head includes them', async () => {
  // Prepare
  current = await world(['rfc6962']);
  const [log] = current.logs;
  await current.cycle();
  certFor(['smtp.tail.example'], [log]);

  // Act
  const [held] = await current.cycle();
  log.publish();
  const [merged] = await current.cycle();

  // Assess
  expect(held.matches).toEqual([]);
  expect(merged.matches).toHaveLength(1);
});
