import type { TargetHistory } from '../../lambdas/core/history';
import { buildTimeline } from '../../lambdas/timeline/layout';
import type { Marker, TimelineModel } from '../../lambdas/timeline/model';
import { day, leaf, NOW, notice, state } from './timeline-fixtures';

const MX = 'smtp://mx.test.example:25';
const RELAY = 'smtp://relay.test.example:587';
const WINDOW = { from: new Date(day(-100)), to: new Date(day(20)) };

function markers(model: TimelineModel, laneId?: string): Array<Marker & { lane: string }> {
  return model.lanes
    .filter((l) => !laneId || l.id === laneId)
    .flatMap((l) => l.markers.map((m) => ({ ...m, lane: l.id })));
}

/** A rotation at MX: `old` (warned at 21 days) served until day -20 and retired, `next` since day -22. */
function rotation() {
  const old = leaf(MX, 'ecdsa', 'old', { from: -90, to: 0, seen: -90, last: -20, retired: -17, warned: [21, 14] });
  const next = leaf(MX, 'ecdsa', 'next', { from: -25, to: 60, seen: -22 });
  const rsa = leaf(MX, 'rsa', 'rsa', { from: -90, to: 60, seen: -90 });
  const history: TargetHistory = { state: state(MX, [next, rsa]), certs: [old, next, rsa] };
  return { old, next, rsa, histories: new Map([[MX, history]]) };
}

describe('timeline markers', () => {
  it('puts a notice on the bar of its certificate, at its time, in its key type only', () => {
    // Prepare
    const { next, histories } = rotation();
    const facts = { keyType: 'ecdsa', cert: { sha256: next.sha256 } };

    // Act
    const model = buildTimeline({
      histories,
      notices: [notice('NEW_CERTIFICATE', MX, -22, facts)],
      now: NOW,
      ...WINDOW,
    });

    // Assess
    const found = markers(model).filter((m) => m.type === 'NEW_CERTIFICATE');
    const bar = model.lanes[0].bars.find((b) => b.sha256 === next.sha256);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ lane: `${MX}|ecdsa`, derived: false, severity: 'info', at: day(-22) });
    expect(found[0].y).toBe((bar?.y ?? 0) + (bar?.height ?? 0) / 2);
    expect(found[0].x).toBeCloseTo(bar?.served?.x1 ?? 0, 0);
  });

  it('reads rotation and expiry events back from the records when no notice is given', () => {
    // Prepare
    const { old, next, histories } = rotation();

    // Act
    const model = buildTimeline({ histories, now: NOW, ...WINDOW });

    // Assess
    const ecdsa = markers(model, `${MX}|ecdsa`).map((m) => [m.type, m.at, m.derived]);
    expect(ecdsa).toEqual([
      ['BASELINE', day(-90), true],
      ['NEW_CERTIFICATE', day(-22), true],
      ['EXPIRY_WARNING', day(-21), true],
      ['CERTIFICATE_RETIRED', day(-17), true],
    ]);
    expect(markers(model, `${MX}|ecdsa`).find((m) => m.type === 'NEW_CERTIFICATE')?.tooltip).toContain(
      next.sha256.slice(0, 8),
    );
    // The 14-day threshold was recorded but lies after the certificate was last seen: no warning then.
    expect(old.warned).toContain(14);
  });

  it('draws a derived event only once when a notice stands for it', () => {
    // Prepare
    const { old, next, histories } = rotation();
    const notices = [
      notice('NEW_CERTIFICATE', MX, -22, { keyType: 'ecdsa', cert: { sha256: next.sha256 } }),
      notice('CERTIFICATE_RETIRED', MX, -17, { keyType: 'ecdsa', cert: { sha256: old.sha256 } }),
      notice('EXPIRY_WARNING', MX, -20.9, { keyType: 'ecdsa', cert: { sha256: old.sha256 }, thresholdDays: 21 }),
    ];

    // Act
    const model = buildTimeline({ histories, notices, now: NOW, ...WINDOW });

    // Assess
    const ecdsa = markers(model, `${MX}|ecdsa`);
    expect(ecdsa.map((m) => [m.type, m.derived])).toEqual([
      ['BASELINE', true],
      ['NEW_CERTIFICATE', false],
      ['EXPIRY_WARNING', false],
      ['CERTIFICATE_RETIRED', false],
    ]);
  });

  it('gives one warning at first sight for thresholds already behind, for the nearest of them', () => {
    // Prepare: first seen 5 days before expiry, with 21, 14 and 7 recorded as warned.
    const late = leaf(MX, 'ecdsa', 'late', { from: -80, to: 5, seen: 0, warned: [21, 14, 7] });
    const histories = new Map([[MX, { state: state(MX, [late]), certs: [late] }]]);

    // Act
    const model = buildTimeline({ histories, now: NOW, ...WINDOW });

    // Assess
    const warnings = markers(model).filter((m) => m.type === 'EXPIRY_WARNING');
    expect(warnings.map((m) => [m.at, m.tooltip.includes('7 days')])).toEqual([[day(0), true]]);
  });

  it('marks a baseline of several targets on every lane of each, and leaves TEST and HEARTBEAT out', () => {
    // Prepare
    const { histories } = rotation();
    const relayLeaf = leaf(RELAY, 'ecdsa', 'relay', { from: -90, to: 60, seen: -90 });
    histories.set(RELAY, { state: state(RELAY, [relayLeaf]), certs: [relayLeaf] });
    const notices = [
      notice('BASELINE', null, -90, { targets: [{ target: MX }, { target: RELAY }] }),
      notice('TEST', null, -5),
      notice('HEARTBEAT', null, -4),
      notice('STARTTLS_MISSING', RELAY, -30),
    ];

    // Act
    const model = buildTimeline({ histories, notices, now: NOW, ...WINDOW });

    // Assess
    const all = markers(model);
    expect(all.filter((m) => m.type === 'BASELINE').map((m) => [m.lane, m.derived])).toEqual([
      [`${MX}|ecdsa`, false],
      [`${MX}|rsa`, false],
      [`${RELAY}|ecdsa`, false],
    ]);
    expect(all.filter((m) => m.type === 'STARTTLS_MISSING').map((m) => [m.lane, m.severity])).toEqual([
      [`${RELAY}|ecdsa`, 'critical'],
    ]);
    expect(all.some((m) => m.type === 'TEST' || m.type === 'HEARTBEAT')).toBe(false);
  });

  it('marks a notice about a leaf several targets share on the lane of each of them', () => {
    // Prepare
    const { histories } = rotation();
    const relayLeaf = leaf(RELAY, 'ecdsa', 'relay', { from: -90, to: 60, seen: -90 });
    histories.set(RELAY, { state: state(RELAY, [relayLeaf]), certs: [relayLeaf] });
    const notices = [
      notice('CERTIFICATE_RETURNED', null, -10, { keyType: 'ecdsa', targets: [{ target: MX }, { target: RELAY }] }),
    ];

    // Act
    const model = buildTimeline({ histories, notices, now: NOW, ...WINDOW });

    // Assess
    expect(
      markers(model)
        .filter((m) => m.type === 'CERTIFICATE_RETURNED')
        .map((m) => m.lane),
    ).toEqual([`${MX}|ecdsa`, `${RELAY}|ecdsa`]);
  });

  it('nudges markers at the same spot apart so each stays visible', () => {
    // Prepare
    const { next, histories } = rotation();
    const facts = { keyType: 'ecdsa', cert: { sha256: next.sha256 } };
    const notices = [notice('NEW_CERTIFICATE', MX, -22, facts), notice('ISSUER_CHANGED', MX, -22, facts)];

    // Act
    const model = buildTimeline({ histories, notices, now: NOW, ...WINDOW });

    // Assess
    const [a, b] = markers(model).filter((m) => m.type === 'NEW_CERTIFICATE' || m.type === 'ISSUER_CHANGED');
    expect(a.y).toBe(b.y);
    expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(8);
  });
});
