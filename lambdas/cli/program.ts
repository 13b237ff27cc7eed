import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { CoreError } from '../core/errors';
import { NotifyError, type NotifyErrorCode } from '../notify/errors';
import { ConfigError } from '../settings/config-error';
import { StoreError, type StoreErrorCode } from '../store/errors';
import { TimelineError } from '../timeline/errors';
import { registerCheckCommand } from './check-command';
import { type CliIo, type CliRun, EXIT, flushed, OutputError, oneLine, outputStateOf, UsageError } from './cli-io';
import { checkCliEnvironment } from './cli-settings';
import { registerCtCommand } from './ct-command';
import { registerHistoryCommand } from './history-command';
import { registerInspectCommand } from './inspect-command';
import { registerNotifyTestCommand } from './notify-test-command';
import { registerPinsCommand } from './pins-command';
import { registerPostureCommand } from './posture-command';
import { registerProbeCommand } from './probe-command';
import { registerRepairCommand } from './repair-command';
import { registerShardWorkerCommand } from './shard-worker-command';
import { processStdin, type StdinReader } from './shared/bounded-input';
import { registerTargetsCommand } from './targets-command';
import { registerTimelineCommand } from './timeline-command';
import { registerExportCommand, registerImportCommand } from './transfer-command';

/*
 * Start time is budgeted (docs/performance.md: `certwatch --help` ≤ 1.5× a bare `node -e 0`), so commands load lazily:
 * - every command is registered here, eagerly, by a `registerXCommand(program, run)` whose module declares
 *   only its arguments and options: its top-level imports stay light (commander, ./cli-io, ./format, the
 *   option parsers, core modules without dependencies, and `import type` for anything else);
 * - whatever the command needs to run (probe/, store/, notify/, watch/, core/x509 and so pkijs, the AWS SDK)
 *   it imports inside its action: `const { SmtpProber } = await import('../probe/prober.js');` (the `.js`
 *   suffix is what TypeScript's nodenext resolution wants; tsx, jest and esbuild map it to the .ts file).
 *   scripts/build-cli.mjs then puts each such import in a chunk that loads only when the command runs.
 * test/cli/startup.test.ts runs the built CLI and fails when --help, --version, a usage error or probe loads
 * what they do not need.
 */

/** Commander's own errors ("error: unknown option '--x'\n(Did you mean --y?)") as one `certwatch:` line. */
export function commanderErrorLine(text: string): string {
  const message = text
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return `certwatch: ${oneLine(message)}\n`;
}

/** An error class: any constructor of errors. */
type ErrorClass = abstract new (...args: never[]) => Error;

/** One row of {@link EXIT_BY_ERROR}. */
interface ErrorExit {
  /** An error base (each area has one, with stable codes) or class. */
  readonly error: ErrorClass;
  /** The stable codes of that base the row is about; absent: all of them. */
  readonly codes?: readonly string[];
  readonly exit: number | ((error: Error) => number);
  /** The error has already been written (commander's own). */
  readonly printed?: boolean;
}

/**
 * What an error means as an exit code (0 ok, 1 failure or critical notice, 2 usage or configuration
 * error), decided here alone: commands set the exit code of their results (a failed probe, a critical
 * notice) and let errors pass; an error no row matches is a failure (1). The first matching row wins.
 */
const EXIT_BY_ERROR: readonly ErrorExit[] = [
  // --help and --version end with 0, an unknown option or a missing argument with 2.
  {
    error: CommanderError,
    exit: (error) => ((error as CommanderError).exitCode === 0 ? EXIT.OK : EXIT.USAGE),
    printed: true,
  },
  // The CLI's own refusals: combinations of options, files given that cannot be read or written.
  { error: UsageError, exit: EXIT.USAGE },
  // A flag or CERTWATCH_* value the settings table refuses.
  { error: ConfigError, exit: EXIT.USAGE },
  // Input the pure core refuses: a target, a PEM chain, a policy, DNS servers, an EHLO name, pins.
  { error: CoreError, exit: EXIT.USAGE },
  // A timeline window or width that cannot be drawn.
  { error: TimelineError, exit: EXIT.USAGE },
  // A topic ARN that cannot be one; a publish that fails (PUBLISH_FAILED) is a failure.
  { error: NotifyError, codes: ['TOPIC_ARN_INVALID'] satisfies NotifyErrorCode[], exit: EXIT.USAGE },
  // The store named is not one certwatch can use, or an import that cannot go in; a store that
  // fails while running (STORE_UNAVAILABLE, ...) is a failure.
  {
    error: StoreError,
    codes: [
      'TABLE_MISSING',
      'TABLE_NAME_INVALID',
      'STORE_LOCKED',
      'STORE_DAMAGED',
      'STORE_INVALID',
      'STORE_READ_ONLY',
      'IMPORT_INVALID',
      'IMPORT_NOT_EMPTY',
    ] satisfies StoreErrorCode[],
    exit: EXIT.USAGE,
  },
  // Standard output went away (`export | head -1`: the command stops, quietly, 0) or could not be
  // written (`export > /dev/full`: 1); runCli says the latter once, from the stream's own state.
  {
    error: OutputError,
    exit: (error) => ((error as OutputError).code === 'OUTPUT_CLOSED' ? EXIT.OK : EXIT.FAILED),
    printed: true,
  },
];

/** The exit code of an error, and whether it still has to be written. */
export function exitFor(error: unknown): { exit: number; printed: boolean } {
  for (const row of EXIT_BY_ERROR) {
    if (!(error instanceof row.error)) continue;
    if (row.codes && !row.codes.includes((error as { code?: string }).code ?? '')) continue;
    return { exit: typeof row.exit === 'number' ? row.exit : row.exit(error), printed: row.printed === true };
  }
  return { exit: EXIT.FAILED, printed: false };
}

/**
 * Runs the certwatch CLI in-process and returns its exit code (docs/cli.md: 0 ok, 1 failure or
 * critical notice, 2 usage/config error; errors through {@link EXIT_BY_ERROR}). Never throws; an
 * error is one line on stderr.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  stdin: StdinReader = processStdin(io.stderr),
): Promise<number> {
  const run: CliRun = { ...io, exitCode: EXIT.OK, failures: [] };
  // A closed or full stdout is an 'error' event, not an exception: watched here so that it never ends the
  // process with a trace; stderr's own errors are swallowed (there is nowhere left to say anything).
  const output = outputStateOf(io.stdout);
  outputStateOf(io.stderr);
  const program = new Command('certwatch')
    .description("Watch the TLS certificates mail servers present (Google's SMTP hosts by default).")
    .version(version, '-V, --version', 'print the version of certwatch')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(commanderErrorLine(text)),
    });
  registerProbeCommand(program, run);
  registerCheckCommand(program, run);
  registerHistoryCommand(program, run);
  registerCtCommand(program, run);
  registerInspectCommand(program, run, stdin);
  registerPostureCommand(program, run);
  registerTimelineCommand(program, run);
  registerNotifyTestCommand(program, run);
  registerTargetsCommand(program, run);
  registerPinsCommand(program, run);
  registerExportCommand(program, run);
  registerImportCommand(program, run, stdin);
  registerRepairCommand(program, run);
  registerShardWorkerCommand(program, run, stdin);
  // Before any command runs (not for --help or --version): a bad CERTWATCH_* variable is a ConfigError,
  // one only the Lambda reads is named once. A shard worker inherits what its parent already checked.
  program.hook('preAction', (_program, command) => {
    if (command.name() === 'shard-worker') return;
    const ignored = checkCliEnvironment();
    if (ignored) io.stderr.write(`certwatch: ${oneLine(ignored)}\n`);
  });
  let code: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    code = run.exitCode;
  } catch (error) {
    const { exit, printed } = exitFor(error);
    if (!printed) io.stderr.write(`certwatch: ${oneLine((error as Error)?.message ?? String(error))}\n`);
    code = exit;
  }
  // Failures a command got past (a bad item left out): one line each, and at least exit 1.
  for (const line of run.failures ?? []) io.stderr.write(`certwatch: ${oneLine(line)}\n`);
  if ((run.failures ?? []).length > 0) code = Math.max(code, EXIT.FAILED);
  // Output is judged last, once written out: a command may have finished before its write to a closed
  // pipe or a full disk failed (the table of `history > /dev/full` is its last write). A
  // closed pipe is no failure of certwatch (`export | head -1`): the command's own verdict stands.
  await flushed(io.stdout);
  if (output.error?.code === 'OUTPUT_CLOSED') return code;
  if (output.error) {
    io.stderr.write(`certwatch: ${output.error.message}\n`);
    return Math.max(code, EXIT.FAILED);
  }
  return code;
}
