/** Small helpers for human output. */

/** How {@link table} draws. */
export interface TableOptions {
  /** Fit within this many columns by cutting the `shrink` columns (with …); null = no limit. */
  columns?: number | null;
  /** Indexes of the columns that may be cut, e.g. subject and issuer names. */
  shrink?: readonly number[];
  /** Per row, what to wrap the finished line in (colour), applied after alignment. */
  paint?: readonly ((line: string) => string)[];
}

/** The narrowest a cut column becomes. */
const MIN_CUT_WIDTH = 8;

/** Renders rows as an aligned text table with a header. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  fitWidths(widths, options);
  const cell = (text: string, i: number) => (text.length > widths[i] ? `${text.slice(0, widths[i] - 1)}…` : text);
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? cell(c ?? '', i) : cell(c ?? '', i).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map((row, i) => (options.paint?.[i] ?? ((l: string) => l))(line(row)))].join('\n');
}

/** Narrows the shrinkable columns, widest first, until the table fits (or they are all at the minimum). */
function fitWidths(widths: number[], options: TableOptions): void {
  const { columns, shrink = [] } = options;
  if (!columns) return;
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  while (total() > columns) {
    const widest = shrink.filter((i) => widths[i] > MIN_CUT_WIDTH).sort((a, b) => widths[b] - widths[a])[0];
    if (widest === undefined) return;
    widths[widest] = Math.max(MIN_CUT_WIDTH, widths[widest] - (total() - columns));
  }
}

/** `ab12…` hex → `AB:12:…`, the form openssl prints. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
}
