import { Command, CommanderError } from 'commander';
import { version } from '../../package.json';
import { registerCheckCommand } from './check-command';
import { type CliIo, type CliRun, EXIT, UsageError } from './cli-io';
import { registerCtCommand } from './ct-command';
import { registerHistoryCommand } from './history-command';
import { registerInspectCommand } from './inspect-command';
import { registerNotifyTestCommand } from './notify-test-command';
import { registerPinsCommand } from './pins-command';
import { registerPostureCommand } from './posture-command';
import { registerProbeCommand } from './probe-command';
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
  const run: CliRun = { ...io, exitCode: EXIT.OK };
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
  registerShardWorkerCommand(program, run, stdin);
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
