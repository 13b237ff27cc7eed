/** Where a command writes: injected so tests can run commands in-process. */
import { CertwatchError } from '../core/errors';
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A usage or configuration error (code USAGE): message on stderr, exit code 2, never a stack trace. */
export class UsageError extends CertwatchError<'USAGE'> {
  override name = 'UsageError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

/** The exit codes (docs/cli.md "Exit codes"). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The I/O of one CLI run plus the exit code its command decided (commands set it; default 0). */
export interface CliRun extends CliIo {
  exitCode: number;
}
