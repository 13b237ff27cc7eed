/**
 * The legend under the axis: a swatch and a word for each mark the picture uses, wrapped to the width.
 */
import type { LegendItem } from './model';
import { textItem, textWidth } from './text';

const FONT = 11;
const SWATCH = 24;
const SPACING = 22;
const LINE = 22;

const ENTRIES: Array<Omit<LegendItem, 'x' | 'y' | 'label'> & { text: string }> = [
  { kind: 'bar', text: 'valid (notBefore → notAfter)' },
  { kind: 'served', tone: 'current', text: 'served' },
  { kind: 'served', tone: 'expiring', text: 'served, near expiry' },
  { kind: 'served', tone: 'expired', text: 'served, expired' },
  { kind: 'served', tone: 'retired', text: 'retired' },
  { kind: 'lead', text: 'logged in CT, not yet served' },
  { kind: 'overlap', text: 'rollout: old and new served' },
  { kind: 'threshold', text: 'expiry thresholds' },
  { kind: 'today', text: 'today' },
  { kind: 'marker', severity: 'info', text: 'notice: info' },
  { kind: 'marker', severity: 'warning', text: 'warning' },
  { kind: 'marker', severity: 'critical', text: 'critical' },
];

/** Legend items from (`x`, `y`) on, wrapped at `width`; `bottom` is where the legend ends. */
export function layoutLegend(x: number, y: number, width: number): { items: LegendItem[]; bottom: number } {
  const items: LegendItem[] = [];
  let cx = x;
  let cy = y;
  for (const { text, ...entry } of ENTRIES) {
    const needed = SWATCH + textWidth(text, FONT);
    if (cx > x && cx + needed > x + width) {
      cx = x;
      cy += LINE;
    }
    items.push({ ...entry, x: cx, y: cy, label: textItem(text, cx + SWATCH, cy + 4, FONT) });
    cx += needed + SPACING;
  }
  return { items, bottom: cy + 10 };
}
