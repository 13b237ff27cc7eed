import type { TargetHistory } from '../../lambdas/core/history';
import { MIN_SERVED_WIDTH } from '../../lambdas/timeline/bars';
import { TimelineError } from '../../lambdas/timeline/errors';
import { buildTimeline } from '../../lambdas/timeline/layout';
import type { TextItem, TimelineModel } from '../../lambdas/timeline/model';
import { boxesOverlap } from '../../lambdas/timeline/text';
import { DAY, day, googleYear, leaf, NOW, notice, state } from './timeline-fixtures';

const MX = 'smtp://mx.test.example:25';

function histories(...entries: Array<[string, TargetHistory]>): Map<string, TargetHistory> {
  return new Map(entries);
}

function allTexts(model: TimelineModel): TextItem[] {
  return [
    model.title,
    model.subtitle,
    ...(model.today ? [model.today.label] : []),
    ...model.lanes.flatMap((l) => [l.title, l.subtitle, ...l.bars.flatMap((b) => (b.label ? [b.label] : []))]),
    ...model.ticks.flatMap((t) => (t.label ? [t.label] : [])),
    ...model.legend.map((i) => i.label),
  ];
}

describe('timeline layout', () => {
  it('gives a year of Google history one lane per target and key type, grouped by host', () => {
    // Prepare
    const { histories: year, notices } = googleYear();

    // Act
    const model = buildTimeline({ histories: year, notices, now: NOW });

    // Assess
    expect(model.lanes.map((l) => l.id)).toEqual([
      'smtp://aspmx.l.google.com:25|ecdsa',
      'smtp://aspmx.l.google.com:25|rsa',
      'smtp://smtp-relay.gmail.com:25|ecdsa',
      'smtp://smtp-relay.gmail.com:25|rsa',
      'smtps://smtp-relay.gmail.com:465|ecdsa',
      'smtps://smtp-relay.gmail.com:465|rsa',
      'smtp://smtp-relay.gmail.com:587|ecdsa',
      'smtp://smtp-relay.gmail.com:587|rsa',
      'smtps://smtp.gmail.com:465|ecdsa',
      'smtps://smtp.gmail.com:465|rsa',
      'smtp://smtp.gmail.com:587|ecdsa',
      'smtp://smtp.gmail.com:587|rsa',
    ]);
    expect(model.lanes.every((l) => l.bars.length >= 6 && l.rows === 2)).toBe(true);
    for (let i = 1; i < model.lanes.length; i++) {
      expect(model.lanes[i].y).toBe(model.lanes[i - 1].y + model.lanes[i - 1].height);
    }
    expect(model.lanes[0].subtitle.text).toBe('STARTTLS · ECDSA');
    expect(model.lanes[4].subtitle.text).toBe('implicit TLS · ECDSA');
  });

  it('places no text of the year picture over another text', () => {
    // Prepare
    const { histories: year, notices } = googleYear();

    // Act
    const texts = allTexts(buildTimeline({ histories: year, notices, now: NOW }));

    // Assess
    const clashes = texts.flatMap((a, i) =>
      texts.slice(i + 1).flatMap((b) => (boxesOverlap(a.box, b.box) ? [`${a.text} / ${b.text}`] : [])),
    );
    expect(texts.filter((t) => t.text.includes('left')).length).toBeGreaterThanOrEqual(12);
    expect(clashes).toEqual([]);
  });

  it('labels a bar with short fingerprint, issuer CN and days left, shortening it when the next bar is close', () => {
    // Prepare: three certificates in one row; the second starts 10.5 days after the first (about 143 px).
    const first = leaf(MX, 'ecdsa', 'first', { from: -60, to: -53, seen: -60, last: -53, retired: -53 });
    const second = leaf(MX, 'ecdsa', 'second', { from: -49.5, to: -5, seen: -49.5, last: -5, retired: -5 });
    const third = leaf(MX, 'ecdsa', 'third', { from: -4, to: 40, seen: -4 });
    const input = histories([MX, { state: state(MX, [third]), certs: [first, second, third] }]);

    // Act
    const model = buildTimeline({ histories: input, now: NOW, from: new Date(day(-60)), to: new Date(day(22)) });

    // Assess
    const bars = model.lanes[0].bars;
    expect(bars.map((b) => b.row)).toEqual([0, 0, 0]);
    expect(bars.map((b) => b.label?.text)).toEqual([
      `${first.sha256.slice(0, 8)} · retired`,
      `${second.sha256.slice(0, 8)} WE2 · retired`,
      `${third.sha256.slice(0, 8)} WE2 · 40d left`,
    ]);
    const end = (i: number) => (bars[i].label?.box.x ?? 0) + (bars[i].label?.box.width ?? 0);
    expect(end(0)).toBeLessThanOrEqual(bars[1].validity.x1);
    expect(end(1)).toBeLessThanOrEqual(bars[2].validity.x1);
  });

  it('puts a certificate whose validity overlaps its predecessor on a second row', () => {
    // Prepare
    const old = leaf(MX, 'rsa', 'old', { from: -80, to: 4, seen: -80, last: -20, retired: -19 });
    const next = leaf(MX, 'rsa', 'next', { from: -26, to: 58, seen: -22 });

    // Act
    const model = buildTimeline({
      histories: histories([MX, { state: state(MX, [next]), certs: [old, next] }]),
      now: NOW,
    });

    // Assess
    expect(model.lanes[0].bars.map((b) => [b.sha256, b.row])).toEqual([
      [old.sha256, 0],
      [next.sha256, 1],
    ]);
    expect(model.lanes[0].rows).toBe(2);
  });

  it('draws the served span to the last cycle for an active certificate and marks the rollout overlap', () => {
    // Prepare: the new leaf appears 22 days ago, the old one is last seen 20 days ago.
    const old = leaf(MX, 'ecdsa', 'old', { from: -80, to: 4, seen: -80, last: -20, retired: -19 });
    const next = leaf(MX, 'ecdsa', 'next', { from: -26, to: 58, seen: -22, last: -22 });
    const input = histories([MX, { state: state(MX, [next], { last: 0 }), certs: [old, next] }]);

    // Act
    const model = buildTimeline({ histories: input, now: NOW, from: new Date(day(-90)), to: new Date(day(10)) });

    // Assess
    const x = (offset: number) => model.plot.x + ((offset + 90) / 100) * model.plot.width;
    const [oldBar, nextBar] = model.lanes[0].bars;
    expect(nextBar.served?.x1).toBeCloseTo(x(-22), 0);
    expect(nextBar.served?.x2).toBeCloseTo(x(0), 0);
    expect(oldBar.served?.x2).toBeCloseTo(x(-20), 0);
    expect(model.lanes[0].overlaps).toHaveLength(1);
    expect(model.lanes[0].overlaps[0].x1).toBeCloseTo(x(-22), 0);
    expect(model.lanes[0].overlaps[0].x2).toBeCloseTo(x(-20), 0);
  });

  it('draws no rollout overlap when the old certificate left before the new one came', () => {
    // Prepare
    const old = leaf(MX, 'ecdsa', 'old', { from: -80, to: 4, seen: -80, last: -23, retired: -20 });
    const next = leaf(MX, 'ecdsa', 'next', { from: -26, to: 58, seen: -22 });

    // Act
    const model = buildTimeline({
      histories: histories([MX, { state: state(MX, [next]), certs: [old, next] }]),
      now: NOW,
    });

    // Assess
    expect(model.lanes[0].overlaps).toEqual([]);
  });

  it('colours certificates by where they stand and ticks the thresholds of the current one', () => {
    // Prepare
    const retired = leaf(MX, 'ecdsa', 'gone', { from: -90, to: -6, seen: -90, last: -40, retired: -39 });
    const current = leaf(MX, 'ecdsa', 'current', { from: -40, to: 44, seen: -40 });
    const expiring = leaf(MX, 'rsa', 'expiring', { from: -70, to: 10, seen: -70 });
    const expired = leaf('smtp://old.test.example:25', 'ecdsa', 'expired', { from: -90, to: -2, seen: -90 });
    const input = histories(
      [MX, { state: state(MX, [current, expiring]), certs: [retired, current, expiring] }],
      ['smtp://old.test.example:25', { state: state('smtp://old.test.example:25', [expired]), certs: [expired] }],
    );

    // Act
    const model = buildTimeline({ histories: input, now: NOW, from: new Date(day(-100)), to: new Date(day(50)) });

    // Assess
    const tones = Object.fromEntries(model.lanes.flatMap((l) => l.bars.map((b) => [b.sha256.slice(0, 8), b.tone])));
    expect(tones).toEqual({
      [retired.sha256.slice(0, 8)]: 'retired',
      [current.sha256.slice(0, 8)]: 'current',
      [expiring.sha256.slice(0, 8)]: 'expiring',
      [expired.sha256.slice(0, 8)]: 'expired',
    });
    const bar = model.lanes.flatMap((l) => l.bars).find((b) => b.sha256 === current.sha256);
    const x = (offset: number) => model.plot.x + ((offset + 100) / 150) * model.plot.width;
    expect(bar?.thresholds.map((t) => t.days)).toEqual([21, 14, 7, 3, 1]);
    expect(bar?.thresholds[0].x).toBeCloseTo(x(44 - 21), 0);
    expect(bar?.label?.text).toContain('44d left');
  });

  it('puts the today line inside the plot at now, and leaves it out when now is outside the window', () => {
    // Prepare
    const { histories: year } = googleYear();

    // Act
    const model = buildTimeline({ histories: year, now: NOW });
    const past = buildTimeline({ histories: year, now: NOW, from: new Date(day(-300)), to: new Date(day(-100)) });

    // Assess
    expect(model.today?.x).toBeGreaterThan(model.plot.x);
    expect(model.today?.x).toBeLessThan(model.plot.x + model.plot.width);
    expect(model.today?.label.text).toBe('today 2026-06-01');
    expect(Date.parse(model.to) - NOW.getTime()).toBeGreaterThanOrEqual(14 * DAY);
    expect(past.today).toBeNull();
  });

  it('looks back at most thirteen months by default', () => {
    // Prepare: certificates seen since three years ago.
    const ancient = leaf(MX, 'ecdsa', 'ancient', { from: -1100, to: -1000, seen: -1100, last: -1000, retired: -999 });
    const current = leaf(MX, 'ecdsa', 'current', { from: -20, to: 64, seen: -20 });
    const input = histories([MX, { state: state(MX, [current]), certs: [ancient, current] }]);

    // Act
    const model = buildTimeline({ histories: input, now: NOW });

    // Assess
    expect(NOW.getTime() - Date.parse(model.from)).toBeLessThan(410 * DAY);
    expect(model.lanes[0].bars.map((b) => b.sha256)).toEqual([current.sha256]);
  });

  it('shows only the targets asked for, and flags a target that stopped offering STARTTLS', () => {
    // Prepare
    const { histories: year } = googleYear();
    const relay = 'smtp://smtp-relay.gmail.com:25';
    const relayHistory = year.get(relay) as TargetHistory;
    year.set(relay, {
      ...relayHistory,
      state: { ...(relayHistory.state as NonNullable<TargetHistory['state']>), starttlsMissing: true },
    });

    // Act
    const model = buildTimeline({ histories: year, now: NOW, targets: [relay] });

    // Assess
    expect(model.lanes.map((l) => l.id)).toEqual([`${relay}|ecdsa`, `${relay}|rsa`]);
    expect(model.lanes.map((l) => l.alert)).toEqual(['STARTTLS missing', 'STARTTLS missing']);
    expect(model.lanes[0].subtitle.text).toBe('ECDSA · STARTTLS missing');
  });

  it('refuses a window that ends before it starts, and a picture too narrow to read', () => {
    // Prepare
    const { histories: year } = googleYear();

    // Act
    const backwards = () => buildTimeline({ histories: year, now: NOW, from: new Date(day(0)), to: new Date(day(-1)) });
    const narrow = () => buildTimeline({ histories: year, now: NOW, width: 300 });

    // Assess
    expect(backwards).toThrow(TimelineError);
    expect(backwards).toThrow(expect.objectContaining({ code: 'WINDOW_INVALID' }));
    expect(narrow).toThrow(expect.objectContaining({ code: 'WIDTH_INVALID' }));
  });

  it('draws a leaf served for ten minutes with a visible served span that ends when it was last seen', () => {
    // Prepare: a store with minutes of history on a window of weeks.
    const fresh = leaf(MX, 'ecdsa', 'mx.test.example#fresh', { from: -10, to: 80, seen: -10 / 1440, last: 0 });

    // Act
    const model = buildTimeline({
      histories: histories([MX, { state: state(MX, [fresh]), certs: [fresh] }]),
      now: NOW,
    });

    // Assess
    const served = model.lanes[0].bars[0].served;
    expect(served).not.toBeNull();
    expect((served?.x2 ?? 0) - (served?.x1 ?? 0)).toBeGreaterThanOrEqual(MIN_SERVED_WIDTH);
    expect(served?.x2).toBeCloseTo(model.today?.x ?? Number.NaN, 0);
  });

  it('draws the Certificate Transparency lead: logged → first served, from NEW_CERTIFICATE loggedAt', () => {
    // Prepare
    const old = leaf(MX, 'ecdsa', 'mx.old', { from: -60, to: 30, seen: -58, last: -3 });
    const fresh = leaf(MX, 'ecdsa', 'mx.new', { from: -10, to: 80, seen: -3, last: 0 });
    const notices = [notice('NEW_CERTIFICATE', MX, -3, { cert: { sha256: fresh.sha256 }, loggedAt: day(-8) })];

    // Act
    const model = buildTimeline({
      histories: histories([MX, { state: state(MX, [fresh]), certs: [old, fresh] }]),
      notices,
      now: NOW,
    });

    // Assess
    const bars = model.lanes[0].bars;
    const lead = bars.find((b) => b.sha256 === fresh.sha256)?.lead;
    expect(bars.find((b) => b.sha256 === old.sha256)?.lead).toBeNull();
    expect(lead?.x2).toBe(bars.find((b) => b.sha256 === fresh.sha256)?.served?.x1);
    expect(
      ((lead?.x2 ?? 0) - (lead?.x1 ?? 0)) /
        ((model.plot.width * DAY) / (Date.parse(model.to) - Date.parse(model.from))),
    ).toBeCloseTo(5, 0);
    expect(model.legend.some((i) => i.kind === 'lead')).toBe(true);
  });
});
