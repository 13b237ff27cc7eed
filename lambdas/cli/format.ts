/**
 * Small helpers for human output, and the one table layout every command draws with. On a terminal a
 * table fits its width by these rules, in this order (docs/cli.md "Tables"):
 * 1. in a column marked `span`, a row's last cell, when every cell after it is empty (the error code of
 *    a failed probe), runs on into the empty columns instead of widening its own;
 * 2. columns that may be cut (names, fingerprints, dates) are cut, widest first, down to their minimum —
 *    a fingerprint or a date to its first characters, a name with `…`;
 * 3. columns are left out in the table's stated order, and a line under the table names them;
 * 4. the identity columns (target, address, key type) are never cut nor left out: a table whose identity
 *    alone is wider than the terminal is drawn wider.
 * Not on a terminal (a pipe, a file) every value is printed whole, byte for byte the same everywhere.
 */

/** How one column may give way on a narrow terminal; a plain header string never does. */
export interface Column {
  header: string;
  /**
   * May be cut down to `min` characters (the header too); `snap`: straight to `min` once cut at all
   * (a date and time becomes the date, not half a time).
   */
  cut?: { min: number; ellipsis: boolean; snap?: boolean };
  /** Left out when cutting is not enough, lowest rank first. */
  drop?: number;
  /** A row's last filled cell here may run on into the empty columns after it (on a terminal). */
  span?: boolean;
}

/** How {@link table} draws. */
export interface TableOptions {
  /** Fit within this many columns (a terminal's width); null or absent = no limit, values whole. */
  columns?: number | null;
  /** Per row, what to wrap the finished line in (colour), applied after alignment. */
  paint?: readonly ((line: string) => string)[];
}

const GAP = 2;

/** Renders rows as an aligned text table with a header (see the rules above). */
export function table(
  header: readonly (string | Column)[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const specs: Column[] = header.map((h) => (typeof h === 'string' ? { header: h } : h));
  const layout = options.columns ? fitted(specs, rows, options.columns) : natural(specs, rows);
  const visible = specs.map((_, i) => i).filter((i) => !layout.dropped.has(i));
  const line = (cells: readonly string[], spanFrom: number | null) => {
    const parts: string[] = [];
    for (const [n, i] of visible.entries()) {
      const text = cells[i] ?? '';
      if (spanFrom !== null && i === spanFrom) {
        parts.push(text);
        break;
      }
      const shown = shorten(text, layout.widths[i], specs[i]);
      parts.push(n === visible.length - 1 ? shown : shown.padEnd(layout.widths[i]));
    }
    let out = parts.join(' '.repeat(GAP)).trimEnd();
    if (options.columns && spanFrom !== null && out.length > options.columns) {
      // Cut the running-on cell to the terminal, never below its own column's width.
      const start = out.length - (cells[spanFrom] ?? '').length;
      out = `${out.slice(0, Math.max(options.columns - 1, start + layout.widths[spanFrom] - 1))}…`;
    }
    return out;
  };
  const body = rows.map((row, r) => {
    const spanFrom = options.columns ? spanningCell(row, visible, specs) : null;
    return (options.paint?.[r] ?? ((l: string) => l))(line(row, spanFrom));
  });
  const lines = [
    line(
      specs.map((s) => s.header),
      null,
    ),
    ...body,
  ];
  if (layout.dropped.size > 0) {
    const names = [...layout.dropped].map((i) => specs[i].header).join(', ');
    lines.push(`(not shown: ${names}; --json shows all)`);
  }
  return lines.join('\n');
}

interface Layout {
  widths: number[];
  dropped: Set<number>;
}

function natural(specs: readonly Column[], rows: readonly (readonly string[])[]): Layout {
  return {
    widths: specs.map((s, i) => Math.max(s.header.length, ...rows.map((r) => (r[i] ?? '').length))),
    dropped: new Set(),
  };
}

/** The index of a row's cell that runs on into the empty columns after it, or null. */
function spanningCell(row: readonly string[], visible: readonly number[], specs: readonly Column[]): number | null {
  const filled = visible.filter((i) => (row[i] ?? '') !== '');
  const last = filled.at(-1);
  return last === undefined || last === visible.at(-1) || !specs[last].span ? null : last;
}

function fitted(specs: readonly Column[], rows: readonly (readonly string[])[], columns: number): Layout {
  const order = specs
    .map((s, i) => ({ i, rank: s.drop }))
    .filter((c): c is { i: number; rank: number } => c.rank !== undefined)
    .sort((a, b) => a.rank - b.rank)
    .map((c) => c.i);
  let layout: Layout = { widths: [], dropped: new Set() };
  for (let k = 0; k <= order.length; k++) {
    const dropped = new Set(order.slice(0, k));
    const visible = specs.map((_, i) => i).filter((i) => !dropped.has(i));
    const widths = specs.map((s, i) => {
      const cells = rows.filter((r) => spanningCell(r, visible, specs) !== i).map((r) => (r[i] ?? '').length);
      return Math.max(s.header.length, ...cells);
    });
    // A cut column may end narrower than its header: the header is cut like its values.
    const total = () => visible.reduce((sum, i) => sum + widths[i], 0) + GAP * (visible.length - 1);
    while (total() > columns) {
      const widest = visible
        .filter((i) => specs[i].cut && widths[i] > (specs[i].cut?.min ?? 0))
        .sort((a, b) => widths[b] - widths[a])[0];
      if (widest === undefined) break;
      const min = specs[widest].cut?.min ?? 0;
      widths[widest] = specs[widest].cut?.snap ? min : Math.max(min, widths[widest] - (total() - columns));
    }
    layout = { widths, dropped };
    if (total() <= columns) break;
  }
  return layout;
}

function shorten(text: string, width: number, spec: Column): string {
  if (text.length <= width) return text;
  if (!spec.cut) return text;
  return spec.cut.ellipsis ? `${text.slice(0, Math.max(1, width - 1))}…` : text.slice(0, width);
}

/** `ab12…` hex → `AB:12:…`, the form openssl prints. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
}
