/**
 * One table in runCli maps errors to exit codes (lambdas/cli/program.ts): every error base by its
 * stable codes, through the real CLI for one of each kind; and no command turns another area's error
 * into the CLI's own to choose its exit code.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { UsageError } from '../../lambdas/cli/cli-io';
import { exitFor } from '../../lambdas/cli/program';
import { CoreError } from '../../lambdas/core/errors';
import { NotifyError } from '../../lambdas/notify/errors';
import { ProbeError } from '../../lambdas/probe/errors';
import { ConfigError } from '../../lambdas/settings/config-error';
import { StoreError } from '../../lambdas/store/errors';
import { TimelineError } from '../../lambdas/timeline/errors';
import { cli, expectOneLineRefusal } from '../support/cli';

const CLI = resolve(__dirname, '..', '..', 'lambdas', 'cli');
const at = { setting: 'probeTimeoutMs', spelling: '--timeout', source: 'flag' } as const;

test.each<[string, unknown, number]>([
  ['--help (commander)', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 0],
  ['an unknown option (commander)', new CommanderError(1, 'commander.unknownOption', "unknown option '--x'"), 2],
  ['the CLI refusing a combination', new UsageError('--json and --pem cannot be combined'), 2],
  ['a flag the settings table refuses', new ConfigError(at, '--timeout "5": must be ...'), 2],
  ['a target core refuses', new CoreError('TARGET_INVALID', 'not a URL'), 2],
  ['a PEM core refuses', new CoreError('CHAIN_UNPARSEABLE', 'no END line'), 2],
  ['a timeline window', new TimelineError('WINDOW_INVALID', 'empty window'), 2],
  ['a topic ARN', new NotifyError('TOPIC_ARN_INVALID', 'not an ARN'), 2],
  ['a publish that failed', new NotifyError('PUBLISH_FAILED', 'SNS said no'), 1],
  ['a missing table', new StoreError('TABLE_MISSING', 'no table'), 2],
  ['a locked store', new StoreError('STORE_LOCKED', 'in use'), 2],
  ['an import line that is no item', new StoreError('IMPORT_INVALID', 'line 3: not JSON'), 2],
  ['an import into a store that has items', new StoreError('IMPORT_NOT_EMPTY', 'not empty'), 2],
  ['a store unreachable while running', new StoreError('STORE_UNAVAILABLE', 'timeout'), 1],
  ['a probe step (never expected here)', new ProbeError('TIMEOUT', 'slow'), 1],
  ['anything else', new Error('surprise'), 1],
  ['a thrown string', 'surprise', 1],
])('%s exits with its code from the one table', (_what, error, exit) => {
  expect(exitFor(error).exit).toBe(exit);
});

describe('through the real CLI: the message as it was, the code from the table', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-exit-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each<[string, string[], number, RegExp]>([
    [
      'a ConfigError from a flag',
      ['probe', '--timeout', '5', 'smtps://mx.example.com'],
      2,
      /^certwatch: --timeout "5": /,
    ],
    ['a CoreError from an argument', ['probe', 'ftp://mx.example.com'], 2, /^certwatch: .*scheme "ftp"/],
    [
      "a CoreError from an argument, with the command's hint",
      ['history', 'ftp://x'],
      2,
      /SHA-256 fingerprint \(64 hex digits\)\n$/,
    ],
    ['a NotifyError named by its option', ['notify-test', '--topic-arn', 'arn:nope'], 2, /^certwatch: --topic-arn: /],
  ])('%s', async (_what, argv, code, message) => {
    // Act
    const result = await cli(argv);

    // Assess
    expectOneLineRefusal(result, code, message);
  });

  test('a StoreError for a store that is a file, and one for an import line that is no item', async () => {
    // Prepare
    const file = join(dir, 'not-a-store');
    writeFileSync(file, 'x');

    // Act
    const store = await cli(['history', '--store', file]);
    const imported = await cli(['import', '-', '--store', join(dir, 'fresh')], '{"pk": 1}\n');

    // Assess
    expect([store.code, store.stderr]).toEqual([
      2,
      expect.stringMatching(/^certwatch: the store .* is not a directory/),
    ]);
    expect([imported.code, imported.stderr]).toEqual([2, expect.stringMatching(/^certwatch: stdin.*"pk" and "sk"/)]);
  });
});

test("no CLI module turns another area's error into its own to pick an exit code", () => {
  // Prepare
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  })(CLI);

  // Act
  const found = files
    .filter((file) => !file.endsWith('program.ts'))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /instanceof (CoreError|ConfigError|StoreError|NotifyError|TimelineError|ProbeError)\b/.test(line)
            ? [`${relative(CLI, file)}:${i + 1}`]
            : [],
        ),
    );

  // Assess
  expect(files.length).toBeGreaterThan(20);
  expect(found).toEqual([]);
});
