/**
 * The timeline picture as plain data: every position is computed here (pure), so the SVG renderer only
 * draws and tests can check the geometry without a browser. Units are SVG user units (CSS pixels).
 */
import type { TargetHistory } from '../core/history';
import type { NoticeType, Severity } from '../core/notice';
import type { KeyType } from '../core/observation';

/** What {@link buildTimeline} draws from. */
export interface TimelineInput {
  /** History per target URL (as `HistoryStore.listHistories()` returns it). */
  histories: ReadonlyMap<string, TargetHistory>;
  /** Notices to mark (the outbox, or what a run printed). Certificate events missing here are derived from the records. */
  notices?: readonly TimelineNotice[];
  now: Date;
  /** Only these target URLs, in this order (default: every target in the history, sorted). */
  targets?: readonly string[];
  /** Expiry thresholds drawn on current certificates (default: the watch defaults 21, 14, 7, 3, 1). */
  thresholdsDays?: readonly number[];
  /** Share of a leaf's lifetime after which ROTATION_OVERDUE fires (to place derived markers; default 0.75). */
  rotationOverdueShare?: number;
  /** Time window; default from the first certificate seen (at most 13 months back) to a little after the next expiry. */
  from?: Date;
  to?: Date;
  /** Picture width (default 1400). */
  width?: number;
  title?: string;
}

/** The parts of a notice the timeline reads (a full `Notice` fits). */
export interface TimelineNotice {
  type: NoticeType;
  severity: Severity;
  target: string | null;
  at: string;
  subject: string;
  facts: unknown;
}

/** A horizontal extent. */
export interface Span {
  x1: number;
  x2: number;
}

/** A rectangle. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A piece of text placed on the picture; `box` is its estimated extent (for overlap checks). */
export interface TextItem {
  text: string;
  x: number;
  /** Baseline. */
  y: number;
  anchor: 'start' | 'middle' | 'end';
  fontSize: number;
  box: Box;
}

/** How a certificate bar is coloured. */
export type BarTone = 'current' | 'expiring' | 'expired' | 'retired';

/** One certificate at one lane. */
export interface Bar {
  id: string;
  sha256: string;
  row: number;
  tone: BarTone;
  /** notBefore → notAfter, clipped to the plot; `clippedStart/End` say where it runs beyond. */
  validity: Span & { clippedStart: boolean; clippedEnd: boolean };
  /** First seen → last seen, clipped; null when outside the window. */
  served: Span | null;
  /**
   * Logged in Certificate Transparency → first served (the lead CT gave, docs/ct.md), clipped; null when the
   * leaf was not seen logged (no NEW_CERTIFICATE with `loggedAt`) or outside the window.
   */
  lead: Span | null;
  /** Top of the validity bar and its height; the served span is drawn inside it. */
  y: number;
  height: number;
  /** Expiry threshold ticks (days before notAfter) inside the window. */
  thresholds: Array<{ days: number; x: number }>;
  /** Null when no variant of the label fitted (the tooltip still says everything). */
  label: TextItem | null;
  /** Full description for the tooltip. */
  tooltip: string;
}

/** A notice (or an event read back from the history) on a lane. */
export interface Marker {
  id: string;
  type: NoticeType;
  severity: Severity;
  x: number;
  y: number;
  at: string;
  /** True when reconstructed from certificate records rather than read from a notice. */
  derived: boolean;
  tooltip: string;
}

/** One target × key type. */
export interface Lane {
  id: string;
  target: string;
  keyType: KeyType;
  y: number;
  height: number;
  rows: number;
  /** Target (host:port) and, below it, mode · key type and any standing problem. */
  title: TextItem;
  subtitle: TextItem;
  /** Set when the last cycle shows a problem worth a badge (e.g. STARTTLS missing). */
  alert: string | null;
  bars: Bar[];
  /** Periods in which two leaves of this lane were both served (a rollout in progress). */
  overlaps: Span[];
  markers: Marker[];
}

/** A tick of the time axis. */
export interface AxisTick {
  x: number;
  major: boolean;
  label: TextItem | null;
}

/** An entry of the legend. */
export interface LegendItem {
  kind: 'bar' | 'served' | 'lead' | 'overlap' | 'today' | 'threshold' | 'marker';
  tone?: BarTone;
  severity?: Severity;
  x: number;
  y: number;
  label: TextItem;
}

/** The whole picture. */
export interface TimelineModel {
  width: number;
  height: number;
  title: TextItem;
  subtitle: TextItem;
  plot: Box;
  from: string;
  to: string;
  now: string;
  /** Null when today is outside the window. */
  today: { x: number; label: TextItem } | null;
  ticks: AxisTick[];
  lanes: Lane[];
  legend: LegendItem[];
}
