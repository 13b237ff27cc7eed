import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { registerCheckCommand } from './check-command';
import { type CliIo, type CliRun, EXIT, OutputError, outputStateOf, UsageError } from './cli-io';
import { checkCliEnvironment } from './cli-settings';
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
 * Start time is budgeted (DESIGN.md: `certwatch --help` ≤ 2× a bare `node -e 0`), so commands load lazily:
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
  return `certwatch: ${message}\n`;
}

/**
 * Runs the certwatch CLI in-process and returns its exit code (DESIGN.md: 0 ok, 1 failure or
 * critical notice, 2 usage/config error). Never throws; a usage error is one line on stderr.
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
  // Before any command runs (not for --help or --version): a bad CERTWATCH_* variable is a usage error,
  // one the CLI does not read is named once. A shard worker inherits what its parent already checked.
  program.hook('preAction', (_program, command) => {
    if (command.name() === 'shard-worker') return;
    const ignored = checkCliEnvironment();
    if (ignored) io.stderr.write(`certwatch: ${ignored}\n`);
  });
  let code: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    code = run.exitCode;
  } catch (error) {
    code = exitCodeOf(error, io);
  }
  for (const line of run.failures ?? []) io.stderr.write(`certwatch: ${line}\n`);
  if ((run.failures ?? []).length > 0) code = Math.max(code, EXIT.FAILED);
  // Output is judged last: a command may have finished before its write to a closed pipe failed. A
  // closed pipe is no failure of certwatch (`export | head -1`): the command's own verdict stands.
  if (output.error?.code === 'OUTPUT_CLOSED') return code;
  if (output.error) {
    io.stderr.write(`certwatch: ${output.error.message}\n`);
    return Math.max(code, EXIT.FAILED);
  }
  return code;
}

/** The exit code of an error a command ended with, its one line written on stderr. */
function exitCodeOf(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`certwatch: ${error.message}\n`);
    return EXIT.USAGE;
  }
  // A reader that went away stopped the command early: quiet success. A failed write is said once, by
  // runCli, from the stream's own state.
  if (error instanceof OutputError) return error.code === 'OUTPUT_CLOSED' ? EXIT.OK : EXIT.FAILED;
  io.stderr.write(`certwatch: ${(error as Error).message ?? String(error)}\n`);
  return EXIT.FAILED;
}
