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
