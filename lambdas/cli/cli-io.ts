/** Where a command writes: injected so tests can run commands in-process. */
import { CertwatchError } from '../core/errors';
import { escapeControls } from '../core/quote';
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

/**
 * Standard output failed (code OUTPUT_CLOSED: the reader went away, `export | head -1`; OUTPUT_FAILED:
 * anything else, `export > /dev/full`). The command stops where it is, its store is closed and its lock
 * released on the way out; a closed pipe is a quiet success, as for Unix tools (docs/cli.md).
 */
export class OutputError extends CertwatchError<'OUTPUT_CLOSED' | 'OUTPUT_FAILED'> {
  override name = 'OutputError';
}

/**
 * `text` as one printable line (lambdas/core/quote.ts `escapeControls`): every line runCli writes goes
 * through it, so input a message repeats never breaks the one-line rule (docs/cli.md "Exit codes").
 */
export const oneLine = escapeControls;

/**
 * Waits until everything written to `stream` has been handed to the system, so that a write that fails
 * at the end (a table written last to a full disk) is known before the exit code is: a write's error
 * reaches its callback, and the stream's 'error' listeners, before this resolves.
 */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  if ((stream as { destroyed?: boolean }).destroyed || (stream as { writableEnded?: boolean }).writableEnded) {
    return Promise.resolve();
  }
  return new Promise((done) => {
    try {
      stream.write('', () => setImmediate(done));
    } catch {
      done();
    }
  });
}

/** The exit codes (docs/cli.md "Exit codes"). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The I/O of one CLI run plus the exit code its command decided (commands set it; default 0). */
export interface CliRun extends CliIo {
  exitCode: number;
  /**
   * Failures met while the command still did its work (e.g. a bad item left out of a listing): one
   * stderr line each after the command's output, and the exit code at least 1.
   */
  failures?: string[];
}

/** Notes a failure the command met but got past (see {@link CliRun.failures}). */
export function reportFailure(run: CliRun, line: string): void {
  run.failures ??= [];
  run.failures.push(line);
}

/** What became of a stream's writes: the first error it reported, if any. */
export interface OutputState {
  error: OutputError | null;
}

/**
 * Watches `stream` for write errors (EPIPE, ENOSPC), which Node reports as an 'error' event that would
 * otherwise end the process with a stack trace. The first one is kept for {@link writeOut} and runCli.
 */
export function watchOutput(stream: NodeJS.WritableStream): OutputState {
  const state: OutputState = { error: null };
  stream.on('error', (error: NodeJS.ErrnoException) => {
    state.error ??= outputError(error);
  });
  return state;
}

function outputError(error: NodeJS.ErrnoException): OutputError {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
    return new OutputError('OUTPUT_CLOSED', 'standard output was closed', { cause: error });
  }
  const why = error.code === 'ENOSPC' ? 'no space left on the device' : error.message;
  return new OutputError('OUTPUT_FAILED', `cannot write the output (${error.code ?? 'error'}: ${why})`, {
    cause: error,
  });
}

const outputStates = new WeakMap<NodeJS.WritableStream, OutputState>();

/** The {@link OutputState} of a stream, watching it from the first call on. */
export function outputStateOf(stream: NodeJS.WritableStream): OutputState {
  let state = outputStates.get(stream);
  if (!state) {
    state = watchOutput(stream);
    outputStates.set(stream, state);
  }
  return state;
}

/**
 * Writes `text` and waits while the stream is full, for commands that write much (export): stops with
 * an {@link OutputError} as soon as the stream has failed, instead of waiting for a 'drain' that never comes.
 */
export async function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  const state = outputStateOf(stream);
  if (state.error) throw state.error;
  if (stream.write(text)) return;
  await new Promise<void>((resume) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resume();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
  // The error listener of outputStateOf runs first (it was added first).
  if ((stream as { destroyed?: boolean }).destroyed) {
    state.error ??= new OutputError('OUTPUT_CLOSED', 'standard output was closed');
  }
  if (state.error) throw state.error;
}
