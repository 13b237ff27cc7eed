/**
 * History records + notices + now → the timeline picture as data ({@link TimelineModel}): one lane per
 * target × key type, bars per certificate, rollout overlaps, today's line, threshold ticks, notice
 * markers, axis and legend. Pure: no clock, no I/O.
 */

import { DAY_MS } from '../core/days';
import type { TargetHistory } from '../core/history';
import type { KeyType } from '../core/observation';
import { DEFAULT_WATCH_CONFIG } from '../core/watch-config';
import { axisTicks, isoDay, type TimeScale, timeScale } from './axis';
import { layoutBars, ROW } from './bars';
import { TimelineError } from './errors';
import { eventsFromHistory, eventsFromNotices, mergeEvents, type TimelineEvent } from './events';
import { layoutLegend } from './legend';
import type { Bar, Lane, Marker, TimelineInput, TimelineModel, TimelineNotice } from './model';
import { fitText, round, textItem } from './text';

const MARGIN = 20;
const GUTTER = 240;
const PLOT_TOP = 88;
const LANE_PAD = 8;
const AXIS_LABEL_GAP = 18;
const MIN_WIDTH = 600;
const DEFAULT_WIDTH = 1400;
/** The default window looks back at most this far. */
const LOOK_BACK_DAYS = 395;
/** …and ahead at most this far past today. */
const LOOK_AHEAD_DAYS = 120;

/** When leaves were logged in Certificate Transparency, from NEW_CERTIFICATE notices carrying `loggedAt`. */
function loggedTimes(notices: readonly TimelineNotice[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of notices) {
    if (n.type !== 'NEW_CERTIFICATE') continue;
    const facts = n.facts as { cert?: { sha256?: string }; loggedAt?: string };
    const at = facts.loggedAt ? Date.parse(facts.loggedAt) : Number.NaN;
    if (facts.cert?.sha256 && Number.isFinite(at)) out.set(facts.cert.sha256, at);
  }
  return out;
}

/** Lays out the timeline of `input.histories` as of `input.now`. */
export function buildTimeline(input: TimelineInput): TimelineModel {
  const width = input.width ?? DEFAULT_WIDTH;
  if (!Number.isFinite(width) || width < MIN_WIDTH) {
    throw new TimelineError('WIDTH_INVALID', `width ${width} is too small: at least ${MIN_WIDTH} is needed`);
  }
  const now = input.now.getTime();
  const thresholdsDays = input.thresholdsDays ?? DEFAULT_WATCH_CONFIG.expiryThresholdsDays;
  const targets = input.targets ?? sortTargets([...input.histories.keys()]);
  const histories = new Map(
    targets.map((t) => [t, input.histories.get(t) ?? { state: null, certs: [] }] as [string, TargetHistory]),
  );
  const { from, to } = window(input, histories);
  const plot = { x: MARGIN + GUTTER, y: PLOT_TOP, width: width - 2 * MARGIN - GUTTER, height: 0 };
  const scale = timeScale(from, to, plot.x, plot.x + plot.width);

  const loggedAt = loggedTimes(input.notices ?? []);
  const lanes: Lane[] = [];
  let y = plot.y;
  for (const [target, history] of histories) {
    for (const keyType of laneKeyTypes(history)) {
      const leaves = history.certs.filter((c) => c.role === 'leaf' && c.keyType === keyType);
      const laid = layoutBars(leaves, { scale, now, state: history.state, thresholdsDays, loggedAt });
      const height = 2 * LANE_PAD + laid.rows * ROW.height;
      const top = y + LANE_PAD;
      const bars = laid.bars.map((b) => shiftBar(b, top));
      lanes.push(laneOf(target, keyType, history, y, height, laid.rows, bars, laid.overlaps));
      y += height;
    }
  }
  plot.height = Math.max(y - plot.y, ROW.height);

  const derived = eventsFromHistory(histories, {
    thresholdsDays,
    rotationOverdueShare: input.rotationOverdueShare ?? DEFAULT_WATCH_CONFIG.rotationOverdueShare,
  });
  placeMarkers(lanes, mergeEvents(eventsFromNotices(input.notices ?? []), derived), scale);

  const nowX = scale.x(now);
  const todayText = `today ${isoDay(now)}`;
  const todayLabelX = Math.min(Math.max(nowX, plot.x + 60), plot.x + plot.width - 60);
  const axisBaseline = plot.y + plot.height + AXIS_LABEL_GAP;
  const legend = layoutLegend(MARGIN, axisBaseline + 30, width - 2 * MARGIN);
  const bars = lanes.reduce((n, l) => n + l.bars.length, 0);
  return {
    width,
    height: Math.ceil(legend.bottom + MARGIN),
    title: textItem(input.title ?? 'certwatch · certificate timeline', MARGIN, 30, 18),
    subtitle: textItem(
      `${targets.length} target(s), ${lanes.length} lanes, ${bars} certificates · ${isoDay(from)} → ${isoDay(to)} · as of ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      MARGIN,
      52,
      12,
    ),
    plot,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    now: input.now.toISOString(),
    today:
      now >= from && now <= to
        ? { x: round(nowX), label: textItem(todayText, todayLabelX, plot.y - 10, 12, 'middle') }
        : null,
    ticks: axisTicks(scale, axisBaseline, 11),
    lanes,
    legend: legend.items,
  };
}

/** Targets by host, then port, then scheme: the six Google targets read as three groups. */
export function sortTargets(urls: readonly string[]): string[] {
  const parts = (url: string) => {
    const m = /^([a-z]+):\/\/([^:/]+)(?::(\d+))?/.exec(url);
    return m ? { host: m[2], port: Number(m[3] ?? 0), scheme: m[1] } : { host: url, port: 0, scheme: '' };
  };
  return [...urls].sort((a, b) => {
    const pa = parts(a);
    const pb = parts(b);
    return pa.host.localeCompare(pb.host) || pa.port - pb.port || pa.scheme.localeCompare(pb.scheme);
  });
}

function window(input: TimelineInput, histories: Map<string, TargetHistory>): { from: number; to: number } {
  const now = input.now.getTime();
  const leaves = [...histories.values()].flatMap((h) => h.certs.filter((c) => c.role === 'leaf'));
  const firstSeen = Math.min(now, ...leaves.map((c) => Date.parse(c.firstSeen)));
  const start = Math.max(firstSeen, now - LOOK_BACK_DAYS * DAY_MS);
  // The future shown is the next expiry, in proportion to the past shown: history stays the main part.
  const nextExpiry = Math.min(
    Number.POSITIVE_INFINITY,
    ...leaves.filter((c) => c.status === 'active' && Date.parse(c.notAfter) > now).map((c) => Date.parse(c.notAfter)),
  );
  const ahead = Math.min(LOOK_AHEAD_DAYS * DAY_MS, Math.max(14 * DAY_MS, (now - start) / 2));
  const end = Math.min(Math.max(now + 14 * DAY_MS, nextExpiry + 2 * DAY_MS), now + ahead);
  const pad = Math.max(DAY_MS, (end - start) * 0.02);
  const from = input.from?.getTime() ?? start - pad;
  const to = input.to?.getTime() ?? end;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
    throw new TimelineError('WINDOW_INVALID', `the time window must start before it ends (${from} → ${to})`);
  }
  return { from, to };
}

function laneKeyTypes(history: TargetHistory): KeyType[] {
  const seen = new Set<KeyType>([
    ...history.certs.filter((c) => c.role === 'leaf').map((c) => c.keyType),
    ...(history.state?.slots ?? []).map((s) => s.keyType),
  ]);
  return (['ecdsa', 'rsa'] as const).filter((k) => seen.has(k));
}

function shiftBar(bar: Bar, top: number): Bar {
  const label = bar.label && textItem(bar.label.text, bar.label.x, bar.label.y + top, bar.label.fontSize);
  return { ...bar, y: bar.y + top, label };
}

function laneOf(
  target: string,
  keyType: KeyType,
  history: TargetHistory,
  y: number,
  height: number,
  rows: number,
  bars: Bar[],
  overlaps: Lane['overlaps'],
): Lane {
  const state = history.state;
  const failing = state?.slots.filter((s) => s.keyType === keyType && s.error && s.error !== 'KEY_TYPE_UNAVAILABLE');
  const alert = state?.starttlsMissing
    ? 'STARTTLS missing'
    : failing && failing.length > 0
      ? `${failing[0].error} on ${failing.length}`
      : null;
  const mode = target.startsWith('smtps://') ? 'implicit TLS' : 'STARTTLS';
  const room = GUTTER - 16;
  const titleText = fitText(target.replace(/^[a-z]+:\/\//, ''), room, 13);
  // A standing problem takes the place of the mode, which it implies.
  const subtitleText = fitText(
    alert ? `${keyType.toUpperCase()} · ${alert}` : `${mode} · ${keyType.toUpperCase()}`,
    room,
    11,
  );
  return {
    id: `${target}|${keyType}`,
    target,
    keyType,
    y,
    height,
    rows,
    title: textItem(titleText, MARGIN, y + LANE_PAD + 14, 13),
    subtitle: textItem(subtitleText, MARGIN, y + LANE_PAD + 31, 11),
    alert,
    bars,
    overlaps,
    markers: [],
  };
}

/** Puts each event on its lanes: on the bar of its certificate, else on the bar served at the time. */
function placeMarkers(lanes: Lane[], events: readonly TimelineEvent[], scale: TimeScale): void {
  for (const event of events) {
    if (event.at < scale.from || event.at > scale.to) continue;
    const x = scale.x(event.at);
    for (const lane of lanes) {
      if (lane.target !== event.target || (event.keyType && event.keyType !== lane.keyType)) continue;
      const bar =
        (event.sha256 && lane.bars.find((b) => b.sha256 === event.sha256)) ||
        lane.bars.find((b) => b.served && b.served.x1 - 1 <= x && x <= b.served.x2 + 1) ||
        nearest(lane.bars, x);
      const y = bar ? bar.y + bar.height / 2 : lane.y + lane.height / 2;
      // Markers at the same spot are nudged apart so each stays visible (the tooltip has the exact time).
      const crowd = lane.markers.filter((m) => Math.abs(m.y - y) < 1 && Math.abs(m.x - x) < 8).length;
      const marker: Marker = {
        id: `${lane.id}|${event.identity}|${event.at}`,
        type: event.type,
        severity: event.severity,
        x: round(x + crowd * 8),
        y: round(y),
        at: new Date(event.at).toISOString(),
        derived: event.derived,
        tooltip: `${new Date(event.at).toISOString().slice(0, 16).replace('T', ' ')} ${event.type}: ${event.subject}`,
      };
      lane.markers.push(marker);
    }
  }
}

function nearest(bars: readonly Bar[], x: number): Bar | undefined {
  const distance = (b: Bar) => (b.served ? Math.min(Math.abs(b.served.x1 - x), Math.abs(b.served.x2 - x)) : 1e9);
  return [...bars].sort((a, b) => distance(a) - distance(b))[0];
}
