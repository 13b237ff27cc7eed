/**
 * The log list from a URL on loopback (the test log server publishes it with a detached signature), from
 * a file, and from the table's cache when a fetch or its signature fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCtStore } from '../../lambdas/core/ct/ct-store';
import { CtError } from '../../lambdas/core/ct/errors';
import { ctLogsSource } from '../../lambdas/core/ct/logs-setting';
import { openCtHttp } from '../../lambdas/ct/http';
import { loadLogList, signatureUrl } from '../../lambdas/ct/log-list-source';
import { type CtLogServer, startCtLogServer, TestCtLog } from '../support/ct-log';

const NOW = new Date('2026-03-01T00:00:00Z');
let server: CtLogServer;
const http = openCtHttp();

beforeAll(async () => {
  const logs = [
    new TestCtLog({ name: 'a', protocol: 'rfc6962', now: () => NOW.getTime() }),
    new TestCtLog({ name: 'b', protocol: 'static-ct', now: () => NOW.getTime() }),
  ];
  server = await startCtLogServer(logs);
});

afterAll(async () => {
  http.close();
  await server.close();
});

afterEach(() => server.overrideList(null));

const options = (store: MemoryCtStore, now = NOW) => ({
  http,
  store,
  now,
  // A hang detector: the log server shares this worker's CPU, slow to come by on a loaded machine.
  timeoutMs: 60_000,
  keyPem: server.listKeyPem,
});

test('a list URL is fetched, its signature beside it verified, and cached for a day', async () => {
  // Prepare
  const store = new MemoryCtStore();

  // Act
  const first = await loadLogList(ctLogsSource(server.listUrl), options(store));
  const fetches = server.requests.filter((r) => r.startsWith('/log_list')).length;
  const again = await loadLogList(ctLogsSource(server.listUrl), options(store, new Date(NOW.getTime() + 3_600_000)));

  // Assess
  expect(first).toMatchObject({ signed: true, cached: false, warning: null });
  expect(first?.list.logs.map((l) => [l.name, l.protocol])).toEqual([
    ['a', 'rfc6962'],
    ['b', 'static-ct'],
  ]);
  expect(again).toMatchObject({ cached: true });
  expect(server.requests.filter((r) => r.startsWith('/log_list')).length).toBe(fetches);
  expect(signatureUrl('https://x.example/v3/log_list.json')).toBe('https://x.example/v3/log_list.sig');
});

test('a list whose signature does not verify is refused; the cached copy stands in, said so', async () => {
  // Prepare
  const store = new MemoryCtStore();
  await loadLogList(ctLogsSource(server.listUrl), options(store));
  const tampered = Buffer.from(JSON.stringify({ operators: [] }));
  server.overrideList(tampered, Buffer.alloc(70, 1));

  // Act
  const later = new Date(NOW.getTime() + 2 * 86_400_000);
  const fallback = await loadLogList(ctLogsSource(server.listUrl), options(store, later));
  const none = loadLogList(ctLogsSource(server.listUrl), options(new MemoryCtStore(), later));

  // Assess
  expect(fallback?.cached).toBe(true);
  expect(fallback?.warning).toMatch(
    /could not be refreshed \(the log list signature.*using the copy fetched 2026-03-01/,
  );
  expect(fallback?.list.logs).toHaveLength(2);
  await expect(none).rejects.toMatchObject({ code: 'CT_LIST_UNAVAILABLE' });
});

test('a list URL with no signature beside it is taken unsigned', async () => {
  // Prepare
  server.overrideList(Buffer.from(JSON.stringify(server.logList())), null);

  // Act
  const loaded = await loadLogList(ctLogsSource(server.listUrl), options(new MemoryCtStore()));

  // Assess
  expect(loaded).toMatchObject({ signed: false, cached: false });
});

test('a list file is read; off is nothing; a file that is not a list is one clear error', async () => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-ct-list-'));
  try {
    writeFileSync(join(dir, 'list.json'), JSON.stringify(server.logList()));
    writeFileSync(join(dir, 'bad.json'), '{"logs": []}');

    // Act
    const loaded = await loadLogList(ctLogsSource(join(dir, 'list.json')), options(new MemoryCtStore()));

    // Assess
    expect(loaded?.list.logs).toHaveLength(2);
    expect(await loadLogList(ctLogsSource('off'), options(new MemoryCtStore()))).toBeNull();
    await expect(loadLogList(ctLogsSource(join(dir, 'bad.json')), options(new MemoryCtStore()))).rejects.toThrow(
      /operators/,
    );
    await expect(loadLogList(ctLogsSource(join(dir, 'none.json')), options(new MemoryCtStore()))).rejects.toThrow(
      CtError,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
