import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './check-command';
import { type CliIo, type CliRun, EXIT, UsageError } from './cli-io';
import { registerHistoryCommand } from './history-command';
import { registerInspectCommand } from './inspect-command';
import { registerNotifyTestCommand } from './notify-test-command';
import { registerPinsCommand } from './pins-command';
import { registerPostureCommand } from './posture-command';
import { registerProbeCommand } from './probe-command';
import { processStdin, type StdinReader } from './shared/bounded-input';
import { registerTimelineCommand } from './timeline-command';
import { registerExportCommand, registerImportCommand } from './transfer-command';

/**
 * Runs the certwatch CLI in-process and returns its exit code (DESIGN.md: 0 ok, 1 failure or
 * critical notice, 2 usage/config error). Never throws; a usage error is one line on stderr.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  stdin: StdinReader = processStdin(io.stderr),
): Promise<number> {
  const run: CliRun = { ...io, exitCode: EXIT.OK };
  const program = new Command('certwatch')
    .description("Watch the TLS certificates mail servers present (Google's SMTP hosts by default).")
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerProbeCommand(program, run);
  registerCheckCommand(program, run);
  registerHistoryCommand(program, run);
  registerInspectCommand(program, run, stdin);
  registerPostureCommand(program, run);
  registerTimelineCommand(program, run);
  registerNotifyTestCommand(program, run);
  registerPinsCommand(program, run);
  registerExportCommand(program, run);
  registerImportCommand(program, run, stdin);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return run.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`certwatch: ${error.message}\n`);
      return EXIT.USAGE;
    }
    io.stderr.write(`certwatch: ${(error as Error).message ?? String(error)}\n`);
    return EXIT.FAILED;
  }
}
