/**
 * The bars of one lane: one per leaf certificate, packed into rows so that no two overlap, each with
 * its validity span, served span, threshold ticks and a label kept clear of its neighbours. Also the
 * rollout overlaps: periods in which two leaves of the lane were served at once.
 */

import { DAY_MS, daysUntil } from '../core/days';
import { type CertRecord, effectiveLastSeen, type TargetState } from '../core/history';
import { commonName } from '../core/x509/dn';
import { isoDay, type TimeScale } from './axis';
import type { Bar, BarTone, Span } from './model';
import { placeLabel, round } from './text';

/** Vertical rhythm of a row: label line, then the bar. */
export const ROW = { height: 34, labelBaseline: 11, barTop: 15, barHeight: 14 } as const;
/** Font size of bar labels. */
export const BAR_LABEL_FONT = 11;
/** Pixels kept free between two bars of a row, and between a label and the next bar. */
const GAP = 8;

interface Extent {
  cert: CertRecord;
  validity: Span;
  served: Span | null;
  lead: Span | null;
  start: number;
  end: number;
}

/** What {@link layoutBars} needs besides the certificates. */
export interface BarContext {
  scale: TimeScale;
  now: number;
  state: TargetState | null;
  thresholdsDays: readonly number[];
  /** When each leaf (by sha256) was logged in Certificate Transparency, when known (epoch ms). */
  loggedAt?: ReadonlyMap<string, number>;
}

/** Bars of a lane with rows assigned but y still relative to the lane's first row (0). */
export interface LaneBars {
  bars: Bar[];
  rows: number;
  overlaps: Span[];
}

/** Lays out the leaves of one lane. Certificates entirely outside the window are left out. */
export function layoutBars(leaves: readonly CertRecord[], ctx: BarContext): LaneBars {
  const { scale } = ctx;
  const extents: Extent[] = [];
  for (const cert of leaves) {
    const lastSeen = Date.parse(effectiveLastSeen(cert, ctx.state));
    const first = Date.parse(cert.firstSeen);
    const notBefore = Date.parse(cert.notBefore);
    const notAfter = Date.parse(cert.notAfter);
    const logged = ctx.loggedAt?.get(cert.sha256);
    const start = Math.min(notBefore, first, logged ?? first);
    const end = Math.max(notAfter, lastSeen);
    if (end < scale.from || start > scale.to) continue;
    const validity = { x1: scale.clamp(notBefore), x2: scale.clamp(notAfter) };
    const served = lastSeen < scale.from || first > scale.to ? null : servedSpan(scale, first, lastSeen);
    const lead =
      logged === undefined || logged >= first || first < scale.from || logged > scale.to
        ? null
        : { x1: round(scale.clamp(logged)), x2: round(scale.clamp(first)) };
    extents.push({ cert, validity, served, lead, start: scale.clamp(start), end: scale.clamp(end) });
  }
  extents.sort((a, b) => a.start - b.start || a.cert.notBefore.localeCompare(b.cert.notBefore));

  const rowEnds: number[] = [];
  const rowOf = new Map<Extent, number>();
  for (const extent of extents) {
    let row = rowEnds.findIndex((end) => extent.start >= end + GAP);
    if (row === -1) row = rowEnds.push(0) - 1;
    rowEnds[row] = extent.end;
    rowOf.set(extent, row);
  }

  const labelEnds = rowEnds.map(() => scale.x1 - GAP);
  const bars = extents.map((extent) => {
    const row = rowOf.get(extent) as number;
    const nextInRow = extents.find((e) => rowOf.get(e) === row && e.start > extent.start);
    const span = {
      from: labelEnds[row] + GAP,
      to: nextInRow ? nextInRow.start - GAP : scale.x2,
      prefer: Math.max(extent.start, scale.x1),
    };
    const bar = toBar(extent, row, span, ctx);
    if (bar.label) labelEnds[row] = bar.label.box.x + bar.label.box.width;
    return bar;
  });
  return { bars, rows: Math.max(1, rowEnds.length), overlaps: rolloutOverlaps(leaves, ctx) };
}

/**
 * The narrowest served span drawn: a store with minutes of history on a window of weeks would otherwise
 * draw a sliver hidden under the today line. A short span grows back in time from when it was last seen.
 */
export const MIN_SERVED_WIDTH = 8;

function servedSpan(scale: TimeScale, first: number, last: number): Span {
  const x1 = Math.max(scale.x1, Math.min(scale.clamp(first), scale.clamp(last) - MIN_SERVED_WIDTH));
  const x2 = Math.min(scale.x2, Math.max(scale.clamp(last), x1 + MIN_SERVED_WIDTH));
  return { x1: round(x1), x2: round(x2) };
}

function tone(cert: CertRecord, now: number, warnDays: number): BarTone {
  if (cert.status === 'retired') return 'retired';
  const left = Date.parse(cert.notAfter) - now;
  if (left <= 0) return 'expired';
  return left <= warnDays * DAY_MS ? 'expiring' : 'current';
}

function statusText(cert: CertRecord, now: number): string {
  if (cert.status === 'retired') return 'retired';
  const days = daysUntil(cert.notAfter, now);
  if (days < 0) return `expired ${-days}d ago`;
  return `${days}d left`;
}

function toBar(extent: Extent, row: number, span: Parameters<typeof placeLabel>[1], ctx: BarContext): Bar {
  const { cert } = extent;
  const { scale, now } = ctx;
  const notAfter = Date.parse(cert.notAfter);
  const short = cert.sha256.slice(0, 8);
  const status = statusText(cert, now);
  const variants = [`${short} ${commonName(cert.issuer)} · ${status}`, `${short} · ${status}`, short];
  const rowTop = row * ROW.height;
  // A retired certificate's thresholds matter only while it was served.
  const lastX = cert.status === 'retired' && extent.served ? extent.served.x2 : scale.x2;
  const thresholds = ctx.thresholdsDays
    .map((days) => ({ days, x: round(scale.x(notAfter - days * DAY_MS)) }))
    .filter((t) => t.x >= Math.max(extent.validity.x1, scale.x1) && t.x <= lastX);
  const lastSeen = effectiveLastSeen(cert, ctx.state);
  return {
    id: `${cert.target}|${cert.keyType}|${cert.sha256}`,
    sha256: cert.sha256,
    row,
    tone: tone(cert, now, Math.max(0, ...ctx.thresholdsDays)),
    validity: {
      x1: round(extent.validity.x1),
      x2: round(extent.validity.x2),
      clippedStart: Date.parse(cert.notBefore) < scale.from,
      clippedEnd: notAfter > scale.to,
    },
    served: extent.served,
    lead: extent.lead,
    y: rowTop + ROW.barTop,
    height: ROW.barHeight,
    thresholds,
    label: placeLabel(variants, span, rowTop + ROW.labelBaseline, BAR_LABEL_FONT),
    tooltip: [
      `${cert.subject} (${cert.keyAlgorithm})`,
      `issuer ${cert.issuer}`,
      `sha256 ${cert.sha256}`,
      `valid ${isoDay(Date.parse(cert.notBefore))} → ${isoDay(notAfter)} (${status})`,
      `served ${cert.firstSeen.slice(0, 16)} → ${lastSeen.slice(0, 16)} on ${cert.addresses.join(', ')}`,
      ...(ctx.loggedAt?.has(cert.sha256)
        ? [`logged in CT ${new Date(ctx.loggedAt.get(cert.sha256) as number).toISOString().slice(0, 16)}`]
        : []),
    ].join('\n'),
  };
}

/** Periods in which two or more leaves were served, merged, as x spans. */
export function rolloutOverlaps(leaves: readonly CertRecord[], ctx: BarContext): Span[] {
  const spans = leaves.map((c) => [Date.parse(c.firstSeen), Date.parse(effectiveLastSeen(c, ctx.state))] as const);
  const both: Array<[number, number]> = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const from = Math.max(spans[i][0], spans[j][0]);
      const to = Math.min(spans[i][1], spans[j][1]);
      if (to > from) both.push([from, to]);
    }
  }
  both.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of both) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged
    .filter(([from, to]) => to >= ctx.scale.from && from <= ctx.scale.to)
    .map(([from, to]) => ({ x1: round(ctx.scale.clamp(from)), x2: round(ctx.scale.clamp(to)) }))
    .filter((s) => s.x2 > s.x1);
}
