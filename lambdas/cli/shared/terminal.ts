/**
 * What the output stream is: a terminal gets colour (unless NO_COLOR is set, https://no-color.org) and
 * tables fitted to its width; a pipe or a file gets plain text at full width, byte for byte the same
 * whatever terminal the user had.
 */
import type { WriteStream } from 'node:tty';

/** How human output is drawn on one stream. */
export interface Terminal {
  colour: boolean;
  /** Width to fit tables to, or null for no limit (not a terminal). */
  columns: number | null;
}

/** Plain text at full width: pipes, files, tests. */
export const PLAIN: Terminal = Object.freeze({ colour: false, columns: null });

/** The terminal behind `stream`, if any. */
export function terminalOf(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Terminal {
  const tty = stream as Partial<WriteStream>;
  if (tty.isTTY !== true) return PLAIN;
  return { colour: !env.NO_COLOR, columns: tty.columns && tty.columns > 0 ? tty.columns : 80 };
}

/** A row's look: failures and untrusted chains in red, certificates near expiry in yellow. */
export type Tone = 'bad' | 'warn' | undefined;

const CODES = { bad: '\x1b[31m', warn: '\x1b[33m' } as const;

/** Wraps `line` in the colour of `tone` when the terminal takes colour. */
export function paint(line: string, tone: Tone, terminal: Terminal): string {
  return terminal.colour && tone ? `${CODES[tone]}${line}\x1b[0m` : line;
}

/** Days left under which a served certificate's row is marked (the first default expiry threshold). */
export const NEAR_EXPIRY_DAYS = 21;
