/** Where a command writes: injected so tests can run commands in-process. */
import { CertwatchError } from '../core/errors';
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The CLI's own refusal (code USAGE): options that do not go together, a file given that cannot be
 * read or written. Message on stderr, exit code 2, never a stack trace. Errors of other areas are not
 * turned into this one: program.ts maps each to its exit code.
 */
export class UsageError extends CertwatchError<'USAGE'> {
  override name = 'UsageError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

/**
 * The same error with where it happened around its message (`--policy `, `stdin: `): its class and
 * code stay, and with them its exit code (lambdas/cli/program.ts maps errors to exit codes). Anything
 * but a certwatch error is returned as it is.
 */
export function withContext<E>(error: E, prefix: string, suffix = ''): E {
  if (error instanceof CertwatchError) error.message = `${prefix}${error.message}${suffix}`;
  return error;
}

/** Exit codes of DESIGN.md. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The I/O of one CLI run plus the exit code its command decided (commands set it; default 0). */
export interface CliRun extends CliIo {
  exitCode: number;
}
