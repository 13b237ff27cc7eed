/**
 * The time scale (instants → x) and the axis ticks: days, weeks or months depending on the span, labels
 * thinned so that none collides with its neighbour.
 */
import { DAY_MS } from '../core/days';
import type { AxisTick } from './model';
import { textItem, textWidth } from './text';

/** Milliseconds per day. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Maps instants to x between `x1` and `x2`. */
export interface TimeScale {
  from: number;
  to: number;
  x1: number;
  x2: number;
  /** x of an instant (ms), unclamped. */
  x(ms: number): number;
  /** x clamped to the plot. */
  clamp(ms: number): number;
}

/** A linear time scale. */
export function timeScale(from: number, to: number, x1: number, x2: number): TimeScale {
  const k = (x2 - x1) / (to - from);
  const x = (ms: number) => x1 + (ms - from) * k;
  return { from, to, x1, x2, x, clamp: (ms) => Math.min(x2, Math.max(x1, x(ms))) };
}

type Unit = 'day' | 'week' | 'month' | 'quarter';

function unitFor(spanDays: number, pxPerDay: number): Unit {
  if (spanDays <= 21 && pxPerDay >= 40) return 'day';
  if (spanDays <= 150 && pxPerDay * 7 >= 40) return 'week';
  if (pxPerDay * 30 >= 36) return 'month';
  return 'quarter';
}

function startOfUnit(ms: number, unit: Unit): Date {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'day') return new Date(day);
  if (unit === 'week') {
    const weekday = (new Date(day).getUTCDay() + 6) % 7;
    return new Date(day - weekday * DAY_MS);
  }
  const month = unit === 'quarter' ? d.getUTCMonth() - (d.getUTCMonth() % 3) : d.getUTCMonth();
  return new Date(Date.UTC(d.getUTCFullYear(), month, 1));
}

function next(date: Date, unit: Unit): Date {
  if (unit === 'day') return new Date(date.getTime() + DAY_MS);
  if (unit === 'week') return new Date(date.getTime() + 7 * DAY_MS);
  const months = unit === 'quarter' ? 3 : 1;
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
}

function label(date: Date, unit: Unit, first: boolean): string {
  const month = MONTHS[date.getUTCMonth()];
  const year = String(date.getUTCFullYear());
  if (unit === 'day' || unit === 'week') {
    const text = `${date.getUTCDate()} ${month}`;
    return first || (date.getUTCMonth() === 0 && date.getUTCDate() <= 7) ? `${text} ${year}` : text;
  }
  return first || date.getUTCMonth() === 0 ? `${month} ${year}` : month;
}

/**
 * Ticks of the axis under the plot, labels centred on their tick at `baseline`. A label that would touch
 * the previous one (or leave the plot) is dropped; its tick stays.
 */
export function axisTicks(scale: TimeScale, baseline: number, fontSize: number): AxisTick[] {
  const spanDays = (scale.to - scale.from) / DAY_MS;
  const unit = unitFor(spanDays, (scale.x2 - scale.x1) / spanDays);
  const ticks: AxisTick[] = [];
  let lastRight = Number.NEGATIVE_INFINITY;
  let labelled = 0;
  for (let d = startOfUnit(scale.from, unit); d.getTime() <= scale.to; d = next(d, unit)) {
    if (d.getTime() < scale.from) continue;
    const x = scale.x(d.getTime());
    const major = unit === 'week' ? d.getUTCDate() <= 7 : unit === 'day' ? d.getUTCDay() === 1 : true;
    const text = label(d, unit, labelled === 0);
    const half = textWidth(text, fontSize) / 2;
    const fits = x - half >= lastRight + fontSize && x - half >= scale.x1 - 4 && x + half <= scale.x2 + 4;
    if (fits) {
      ticks.push({ x, major, label: textItem(text, x, baseline, fontSize, 'middle') });
      lastRight = x + half;
      labelled += 1;
    } else {
      ticks.push({ x, major, label: null });
    }
  }
  return ticks.map((t) => ({ ...t, x: Math.round(t.x * 10) / 10 }));
}

/** `2026-03-09` of an instant (UTC). */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
