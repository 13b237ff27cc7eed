/**
 * Shared parts of the watch-cycle integration tests: generated PKI, pairs of real loopback SMTP servers
 * behind one name, a recording publisher, and a counter of DynamoDB writes. Nothing here is a mock of
 * a part that runs: the prober, the servers and the store are real.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '../../lambdas/core/notice';
import type { NoticePublisher, PublishReceipt } from '../../lambdas/core/ports';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../../lambdas/core/probe-options';
import { parseTarget, type Target } from '../../lambdas/core/targets';
import { NotifyError } from '../../lambdas/notify/errors';
import { type EmbeddedStore, startEmbeddedStore } from '../../lambdas/store/embedded-store';
import type { TableEngine } from '../../lambdas/store/engine';
import { createChain, createRoot, type Issued, issue, type TestChain } from '../support/pki';
import { type ServerCert, type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

export const HOST = 'mx.test.example';
export const DAY = 86_400_000;
/** The cycles' clock starts at the real time so generated certificates are in their validity window. */
export const BASE = new Date(Math.floor(Date.now() / 1000) * 1000);

/** BASE plus some days. */
export function at(days: number): Date {
  return new Date(BASE.getTime() + days * DAY);
}

/** A root and intermediate to issue leaves from. */
export interface Pki {
  root: Issued;
  intermediate: Issued;
  leaf(options?: {
    hostnames?: string[];
    from?: number;
    to?: number;
    intermediate?: Issued;
  }): Promise<ServerCert & { chain: TestChain }>;
}

/** A fresh ECDSA PKI (fast to generate). */
export async function createPki(tag = 'cycle'): Promise<Pki> {
  const root = await createRoot({ name: `Test Root ${tag}`, keyType: 'ecdsa' });
  const intermediate = await issue(root, { name: `Test Intermediate ${tag}`, isCa: true, keyType: 'ecdsa' });
  return {
    root,
    intermediate,
    async leaf(options = {}) {
      const chain = await createChain({
        keyType: 'ecdsa',
        hostnames: options.hostnames ?? [HOST],
        root,
        intermediate: options.intermediate ?? intermediate,
        notBefore: options.from === undefined ? undefined : at(options.from),
        notAfter: options.to === undefined ? undefined : at(options.to),
      });
      return { keyPem: chain.leaf.keyPem, chainPem: chain.chainPem, chain };
    },
  };
}

/** Two real SMTP servers on 127.0.0.2 and 127.0.0.3, same port: two addresses of one target. */
export interface ServerPair {
  port: number;
  target: Target;
  servers: [SmtpTestServer, SmtpTestServer];
  /** Probe options pinning the target's name to both addresses and trusting the test root. */
  probeOptions: ProbeOptions;
  close(): Promise<void>;
}

/** Starts a server pair serving `first` on 127.0.0.2 and `second` (default `first`) on 127.0.0.3. */
export async function startPair(pki: Pki, first: ServerCert, second: ServerCert = first): Promise<ServerPair> {
  const a = await startSmtpTestServer({ address: '127.0.0.2', certs: [first], greeting: HOST });
  const b = await startSmtpTestServer({ address: '127.0.0.3', port: a.port, certs: [second], greeting: HOST });
  return {
    port: a.port,
    target: parseTarget(`smtp://${HOST}:${a.port}`),
    servers: [a, b],
    probeOptions: probeOptionsFor(a.port, pki.root, ['127.0.0.2', '127.0.0.3']),
    async close() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

/** Probe options for HOST:port on the given loopback addresses, ECDSA only, trusting `root`. */
export function probeOptionsFor(port: number, root: Issued, addresses: string[]): ProbeOptions {
  return {
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: ['ecdsa'],
    timeoutMs: 3000,
    resolve: [{ host: HOST, port, addresses }],
    extraAnchorsDer: [new Uint8Array(root.der)],
    ehloName: 'certwatch.test',
  };
}

/** What a suite's tests share: its PKI, made once, and the server pairs a test starts, closed after it. */
interface PairsOfTest {
  readonly pki: Pki;
  /** Starts a server pair for this test (see {@link startPair}); it is closed after the test. */
  startPair(first: ServerCert, second?: ServerCert): Promise<ServerPair>;
}

function made<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the suite's ${what} exists only inside a test`);
  return value;
}

/** Registers the hooks of {@link PairsOfTest} (call it inside `describe`). */
function usePairsOfTest(tag: string): PairsOfTest {
  let pki: Pki | undefined;
  const pairs: ServerPair[] = [];
  beforeAll(async () => {
    pki = await createPki(tag);
  });
  afterEach(async () => {
    await Promise.all(pairs.splice(0).map((p) => p.close()));
  });
  return {
    get pki() {
      return made(pki, 'PKI');
    },
    async startPair(first, second) {
      const pair = await startPair(made(pki, 'PKI'), first, second);
      pairs.push(pair);
      return pair;
    },
  };
}

/** What the watch-cycle suites share (cycle-notices, cycle-outbox, cycle-crash): see {@link useCycleWorkspace}. */
export interface CycleWorkspace extends PairsOfTest {
  /** This test's embedded store, in memory (closed after it). */
  readonly embedded: EmbeddedStore;
}

/**
 * Registers the set-up of a watch-cycle suite (call it inside `describe`): a PKI made once, and per test
 * an in-memory embedded store; the store and the pairs a test starts are closed after it.
 */
export function useCycleWorkspace(tag: string): CycleWorkspace {
  const pairs = usePairsOfTest(tag);
  let embedded: EmbeddedStore | undefined;
  beforeEach(async () => {
    embedded = await startEmbeddedStore({ inMemory: true });
  });
  afterEach(async () => {
    await embedded?.close();
    embedded = undefined;
  });
  return {
    get pki() {
      return pairs.pki;
    },
    startPair: (first, second) => pairs.startPair(first, second),
    get embedded() {
      return made(embedded, 'store');
    },
  };
}

/** What the CLI suites on server pairs share (check-cli, policy-cli): see {@link useCliWorkspace}. */
export interface CliWorkspace extends PairsOfTest {
  /** This test's temporary directory (removed after it): room for stores and files. */
  readonly dir: string;
  /** The root's PEM in `dir`, for `--ca`. */
  readonly caFile: string;
  /** The pair's URL and the options that probe it: both addresses pinned, the root trusted, ECDSA, 3 s. */
  probeArgs(pair: ServerPair): string[];
}

/**
 * Registers the set-up of a CLI suite on server pairs (call it inside `describe`): a PKI made once, and
 * per test a temporary directory holding the root's PEM; the pairs a test starts are closed after it.
 */
export function useCliWorkspace(tag: string): CliWorkspace {
  const pairs = usePairsOfTest(tag);
  let dir: string | undefined;
  const caFile = () => join(made(dir, 'directory'), 'root.pem');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `certwatch-${tag}-`));
    writeFileSync(caFile(), pairs.pki.root.certPem);
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    get pki() {
      return pairs.pki;
    },
    startPair: (first, second) => pairs.startPair(first, second),
    get dir() {
      return made(dir, 'directory');
    },
    get caFile() {
      return caFile();
    },
    probeArgs(p) {
      const pins = `${HOST}:${p.port}:127.0.0.2,127.0.0.3`;
      return [p.target.url, '--resolve', pins, '--ca', caFile(), '--key-types', 'ecdsa', '--timeout', '3000'];
    },
  };
}

/** Keeps what it is asked to publish; fails the first `failures` calls. */
export class RecordingPublisher implements NoticePublisher {
  readonly published: Notice[] = [];
  attempts = 0;

  constructor(private failures = 0) {}

  async publish(notice: Notice): Promise<PublishReceipt> {
    this.attempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new NotifyError('PUBLISH_FAILED', 'topic unavailable (test)');
    }
    this.published.push(notice);
    return { messageId: `m-${this.published.length}` };
  }

  types(): string[] {
    return this.published.map((n) => n.type);
  }
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/**
 * Counts the write requests a store engine sends (by operation), from now on: the engine's own
 * consumption report, so it counts the embedded store's in-process calls as it counts SDK requests.
 */
export function countWrites(engine: TableEngine): {
  readonly count: number;
  readonly byCommand: Record<string, number>;
  reset(): void;
} {
  const requests = () =>
    Object.fromEntries(
      Object.entries(engine.consumption().byOperation)
        .filter(([operation]) => WRITE_OPERATIONS.has(operation))
        .map(([operation, used]) => [operation, used.requests]),
    );
  let base: Record<string, number> = requests();
  const byCommand = () =>
    Object.fromEntries(
      Object.entries(requests())
        .map(([operation, n]) => [operation, n - (base[operation] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
  return {
    get count() {
      return Object.values(byCommand()).reduce((a, b) => a + b, 0);
    },
    get byCommand() {
      return byCommand();
    },
    reset() {
      base = requests();
    },
  };
}
