/**
 * Quoting user input inside messages: control characters shown escaped (a CR/LF in an option must not
 * break the one-line error), and long input cut, so a 10,000-character argument gives a short line.
 */

/** The most characters of user input a message repeats. */
export const MAX_QUOTED_CHARS = 80;

/** `"text"` with control characters escaped and anything past {@link MAX_QUOTED_CHARS} cut. */
export function quoteInput(text: string, max = MAX_QUOTED_CHARS): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  if (escaped.length <= max) return `"${escaped}"`;
  return `"${escaped.slice(0, max - 20)}…" (${text.length} characters)`;
}

/**
 * `text` with its control characters (C0, DEL, C1) shown escaped as JSON would (`\n`, `\u001b`), so that
 * input repeated in a one-line message (a newline in a path, an escape sequence in a refused line) neither
 * breaks the line nor reaches the terminal as a command. Everything else is left as it is.
 */
export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
