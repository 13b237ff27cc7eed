/**
 * What each command of the built CLI loads. dist/cli (built from the sources by jest's globalSetup, as
 * `npm ci` builds it) runs as a real process with a module-load trace (test/support/module-trace.cjs): the
 * loaded chunks are mapped back to their sources through esbuild's metafile, and the packages left in
 * node_modules are seen directly.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedStore } from '../../lambdas/store/embedded-store';
import { createChain, type TestChain } from '../support/pki';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';

const ROOT = resolve(__dirname, '..', '..');
const HOST = 'mx.startup.example';
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** What a traced run of the CLI did. */
interface TracedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Project-relative sources and package files the process loaded (`lambdas/probe/prober.ts`, `node_modules/pkijs/...`). */
  loaded: string[];
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [file, ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('the built CLI loads only what the command needs', () => {
  const outdir = join(ROOT, 'dist', 'cli');
  let work: string;
  let meta: Metafile;
  let chain: TestChain;
  let server: SmtpTestServer;
  let traces = 0;

  /** Runs `certwatch <args>` from the build with the module trace on. */
  async function certwatch(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<TracedRun> {
    const trace = join(work, `trace-${++traces}.txt`);
    writeFileSync(trace, '');
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CERTWATCH_MODULE_TRACE: trace,
      NODE_OPTIONS: `--require ${join(ROOT, 'test', 'support', 'module-trace.cjs')}`,
      ...extraEnv,
    };
    const result = await run(join(outdir, 'certwatch.mjs'), args, env);
    const loaded = new Set<string>();
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      if (line.startsWith('node:')) loaded.add(line);
      if (!line.startsWith('/') && !line.startsWith('file:')) continue;
      const file = relative(ROOT, line.startsWith('file:') ? fileURLToPath(line) : line);
      const chunk = meta.outputs[file];
      if (chunk) for (const input of Object.keys(chunk.inputs)) loaded.add(input);
      else loaded.add(file);
    }
    return { ...result, loaded: [...loaded].sort() };
  }

  const under = (loaded: string[], ...prefixes: string[]) =>
    prefixes.filter((prefix) => loaded.some((file) => file.startsWith(prefix)));

  /** pkijs as the build bundles it: the tree-shakeable copy scripts/shakeable-pki.mjs writes. */
  const PKIJS = 'node_modules/.cache/certwatch/pkijs-shakeable';
  /** The store engine and its clients (errors and defaults in lambdas/store/ are light). */
  const STORE = ['lambdas/store/open-store', 'lambdas/store/embedded-store', 'lambdas/store/dynamo-history-store'];
  /**
   * Node modules that each cost a bare start milliseconds and that printing help does not need (node:net
   * is not among them: a terminal or a pipe on stdout is a net.Socket).
   */
  const SLOW_BUILTINS = ['node:tls', 'node:crypto', 'node:child_process', 'node:dns'];
  /** What no argument handling may load: the store, the SDK, pkijs, network code. */
  const HEAVY = [
    'node_modules/pkijs/',
    PKIJS,
    'node_modules/dynalite/',
    'node_modules/@aws-sdk/',
    'lambdas/probe/',
    ...STORE,
    ...SLOW_BUILTINS,
  ];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'certwatch-startup-'));
    meta = JSON.parse(readFileSync(join(outdir, 'meta.json'), 'utf8')) as Metafile;
    chain = await createChain({ keyType: 'ecdsa', hostnames: [HOST] });
    writeFileSync(join(work, 'ca.pem'), chain.root.certPem);
    writeFileSync(join(work, 'chain.pem'), chain.chainPem);
    server = await startSmtpTestServer({ certs: [{ keyPem: chain.leaf.keyPem, chainPem: chain.chainPem }] });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const probeArgs = () => [
    `smtp://${HOST}:${server.port}`,
    '--resolve',
    `${HOST}:${server.port}:127.0.0.1`,
    '--ca',
    join(work, 'ca.pem'),
    '--key-types',
    'ecdsa',
  ];

  it('--help lists the commands and loads no store, SDK, pkijs or prober', async () => {
    // Act
    const result = await certwatch(['--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/probe \[options\] \[targets\.\.\.\]/);
    expect(result.loaded).toContain('lambdas/cli/program.ts');
    expect(under(result.loaded, ...HEAVY)).toEqual([]);
  });

  it('--version prints the package version and loads nothing heavy', async () => {
    // Act
    const result = await certwatch(['--version']);

    // Assess
    expect(result).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
    expect(under(result.loaded, ...HEAVY)).toEqual([]);
  });

  it.each([
    [['probe', '--bogus'], "certwatch: unknown option '--bogus'\n"],
    [['probe', '--timeout', 'soon'], 'certwatch: --timeout "soon": must be a whole number from 100 to 300000\n'],
    [['check', '--trust', 'nobody'], /^certwatch: --trust "nobody": must be "node" .* or "google" .*\n$/],
    [['nonsense'], "certwatch: unknown command 'nonsense'\n"],
  ])('a usage error (%j) is one certwatch: line, exit 2, before anything heavy loads', async (args, message) => {
    // Act
    const result = await certwatch(args);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    if (typeof message === 'string') expect(result.stderr).toBe(message);
    else expect(result.stderr).toMatch(message);
    expect(under(result.loaded, ...HEAVY)).toEqual([]);
  });

  it('probe loads pkijs and the prober, but no store engine and no AWS SDK', async () => {
    // Act
    const result = await certwatch(['probe', ...probeArgs(), '--json']);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)[0].chain[0].sha256).toBe(chain.leaf.sha256);
    expect(under(result.loaded, PKIJS, 'lambdas/probe/prober', 'node:tls')).toHaveLength(3);
    expect(under(result.loaded, 'node_modules/dynalite/', 'node_modules/@aws-sdk/', ...STORE)).toEqual([]);
  });

  it('inspect loads pkijs but no network code, store or SDK', async () => {
    // Act
    const result = await certwatch(['inspect', join(work, 'chain.pem'), '--ca', join(work, 'ca.pem'), '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(under(result.loaded, PKIJS)).toHaveLength(1);
    expect(under(result.loaded, 'lambdas/probe/', 'node_modules/dynalite/', 'node_modules/@aws-sdk/')).toEqual([]);
  });

  it('check on the embedded store loads dynalite, not the AWS SDK; again on the store it wrote', async () => {
    // Act
    const args = ['check', ...probeArgs(), '--store', join(work, 'store'), '--json'];
    const first = await certwatch(args);
    const second = await certwatch(args);

    // Assess
    expect([first.code, first.stderr, second.code, second.stderr]).toEqual([0, '', 0, '']);
    expect(under(first.loaded, 'node_modules/dynalite/')).toHaveLength(1);
    // The embedded store calls dynalite in-process: no DynamoDB client, no SNS.
    expect(under(first.loaded, 'node_modules/@aws-sdk/client-dynamodb/', 'node_modules/@aws-sdk/client-sns/')).toEqual(
      [],
    );
    // An existing store is checked with LevelDB's own binding, found from its package (not bundled).
    expect(under(second.loaded, 'node_modules/classic-level/')).toHaveLength(1);
  });

  it('check --table loads the DynamoDB client but no store engine and no SNS', async () => {
    // Prepare
    const engine = await startEmbeddedStore({ inMemory: true, tableName: 'certwatch-startup' });
    try {
      // Act
      const result = await certwatch(
        ['check', ...probeArgs(), '--table', 'certwatch-startup', '--endpoint', engine.endpoint, '--json'],
        { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      );

      // Assess
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(under(result.loaded, 'node_modules/@aws-sdk/client-dynamodb/')).toHaveLength(1);
      expect(under(result.loaded, 'node_modules/dynalite/', 'node_modules/@aws-sdk/client-sns/')).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('a bad --topic-arn is refused before the SNS client loads (it loads at the first publish)', async () => {
    // Act
    const result = await certwatch(['notify-test', '--topic-arn', 'not-an-arn']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^certwatch: --topic-arn: /);
    expect(result.loaded).toContain('lambdas/notify/sns-publisher.ts');
    expect(under(result.loaded, 'node_modules/@aws-sdk/client-sns/')).toEqual([]);
  });
});
