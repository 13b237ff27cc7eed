/**
 * Text geometry without a browser. The picture uses a monospace font, whose advance is close to 0.6 em in
 * every common monospace family (DejaVu Sans Mono, Menlo, Consolas are narrower), so widths estimated
 * at 0.62 em are never smaller than what a browser draws; labels placed on these boxes cannot collide.
 */
import type { TextItem } from './model';

/** The font stack of every text on the picture. */
export const FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/** Estimated advance of one character, in em. */
const ADVANCE_EM = 0.62;
/** Ascent and descent of the box a browser reports for a text element, in em (DejaVu: 0.93 / 0.24). */
const ASCENT_EM = 0.96;
const DESCENT_EM = 0.26;

/** Estimated width of `text` at `fontSize`. */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * ADVANCE_EM;
}

/** A text item with its estimated box. */
export function textItem(
  text: string,
  x: number,
  y: number,
  fontSize: number,
  anchor: TextItem['anchor'] = 'start',
): TextItem {
  const width = textWidth(text, fontSize);
  const left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
  return {
    text,
    x: round(x),
    y: round(y),
    anchor,
    fontSize,
    box: {
      x: round(left),
      y: round(y - fontSize * ASCENT_EM),
      width: round(width),
      height: round(fontSize * (ASCENT_EM + DESCENT_EM)),
    },
  };
}

/** Cuts `text` to fit `width` at `fontSize`, ending with `…` when cut; empty when nothing fits. */
export function fitText(text: string, width: number, fontSize: number): string {
  const chars = [...text];
  const max = Math.floor(width / (fontSize * ADVANCE_EM));
  if (chars.length <= max) return text;
  if (max < 2) return '';
  return `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The longest of `variants` (longest first) that fits between `from` and `to`, as near `prefer` as it can
 * start (moved left when it would run past `to`), or null when none fits. Each label keeps to the gap
 * between the previous label and the next bar of its row, so labels placed this way never overlap.
 */
export function placeLabel(
  variants: readonly string[],
  span: { from: number; to: number; prefer: number },
  baseline: number,
  fontSize: number,
): TextItem | null {
  for (const variant of variants) {
    const width = textWidth(variant, fontSize);
    const x = Math.max(span.from, Math.min(span.prefer, span.to - width));
    if (variant && x + width <= span.to) return textItem(variant, x, baseline, fontSize);
  }
  return null;
}

/** Whether two text boxes overlap (touching edges do not count). */
export function boxesOverlap(a: TextItem['box'], b: TextItem['box']): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Rounds to 0.1 unit: enough for pixels, short in the SVG. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
