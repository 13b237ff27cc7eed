import type { TargetHistory } from '../../lambdas/core/history';
import { MAX_SUBJECT_LENGTH } from '../../lambdas/core/notices/text';
import { buildHeartbeat, heartbeatDue, heartbeatKey, isoWeek } from '../../lambdas/run/heartbeat';
import { ConfigError } from '../../lambdas/settings/config-error';
import { envReader } from '../../lambdas/settings/read';
import { SETTINGS } from '../../lambdas/settings/table';
import { day, leaf, NOW, state } from './timeline-fixtures';

// NOW is Monday 2026-06-01 12:00 UTC, in ISO week 2026-W23.
const MONDAY = NOW;

const heartbeatFromEnv = (env: Record<string, string | undefined>) => envReader(env)(SETTINGS.heartbeat);

describe('heartbeat schedule', () => {
  it('is off unless CERTWATCH_HEARTBEAT says weekly', () => {
    // Prepare
    const envs = [{}, { CERTWATCH_HEARTBEAT: 'off' }, { CERTWATCH_HEARTBEAT: ' Weekly ' }];

    // Act
    const schedules = envs.map(heartbeatFromEnv);

    // Assess
    expect(schedules).toEqual(['off', 'off', 'weekly']);
  });

  it.each([
    ['daily', 'CERTWATCH_HEARTBEAT="daily": must be "weekly" or "off"'],
    ['', 'CERTWATCH_HEARTBEAT is empty: leave it out for the default (off)'],
  ])('rejects %j, naming the variable', (value, message) => {
    // Prepare
    const env = { CERTWATCH_HEARTBEAT: value };

    // Act
    const read = () => heartbeatFromEnv(env);

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });

  it('numbers weeks as ISO 8601 does, across year ends', () => {
    // Prepare
    const instants = ['2026-06-01T00:00:00Z', '2026-05-31T23:59:59Z', '2027-01-01T12:00:00Z', '2024-12-30T08:00:00Z'];

    // Act
    const weeks = instants.map((i) => isoWeek(new Date(i)));

    // Assess
    expect(weeks).toEqual(['2026-W23', '2026-W22', '2026-W53', '2025-W01']);
  });

  it('is due on the first cycle of a week, and not again in the same week', () => {
    // Prepare
    const sunday = new Date('2026-05-31T23:30:00Z').toISOString();
    const thisMorning = new Date('2026-06-01T00:15:00Z').toISOString();

    // Act
    const none = heartbeatDue({ schedule: 'weekly', now: MONDAY, lastHeartbeatAt: null });
    const afterSunday = heartbeatDue({ schedule: 'weekly', now: MONDAY, lastHeartbeatAt: sunday });
    const again = heartbeatDue({ schedule: 'weekly', now: MONDAY, lastHeartbeatAt: thisMorning });
    const off = heartbeatDue({ schedule: 'off', now: MONDAY, lastHeartbeatAt: null });

    // Assess
    expect(none).toMatchObject({ due: true, period: '2026-W23', dedupeKey: 'HEARTBEAT#2026-W23' });
    expect(afterSunday.due).toBe(true);
    expect(again).toMatchObject({ due: false, reason: expect.stringContaining('already sent in 2026-W23') });
    expect(off.due).toBe(false);
    expect(heartbeatKey(new Date('2026-06-07T23:59:00Z'))).toBe(none.dedupeKey);
  });
});

describe('heartbeat notice', () => {
  const MX = 'smtp://aspmx.l.google.com:25';
  const RELAY = 'smtp://smtp-relay.gmail.com:587';

  function histories(): Map<string, TargetHistory> {
    const mxEcdsa = leaf(MX, 'ecdsa', 'mx-ecdsa', { from: -60, to: 24, seen: -60 });
    const mxRsa = leaf(MX, 'rsa', 'mx-rsa', { from: -60, to: 30, seen: -60 });
    const retired = leaf(MX, 'ecdsa', 'mx-old', { from: -150, to: -50, seen: -150, last: -60, retired: -59 });
    const relay = leaf(RELAY, 'ecdsa', 'relay', { from: -10, to: 74, seen: -10 });
    const intermediate = {
      ...leaf(RELAY, 'ecdsa', 'Relay Intermediate', { from: -900, to: 9, seen: -10 }),
      role: 'chain' as const,
    };
    const relayState = state(RELAY, [relay]);
    relayState.slots[1] = { ...relayState.slots[1], sha256: null, error: 'TIMEOUT' };
    return new Map([
      [MX, { state: state(MX, [mxEcdsa, mxRsa]), certs: [retired, mxEcdsa, mxRsa] }],
      [RELAY, { state: { ...relayState, starttlsMissing: true }, certs: [relay, intermediate] }],
    ]);
  }

  it('says what is watched, what is served and what expires next', () => {
    // Prepare
    const targets = [
      { url: MX, host: 'aspmx.l.google.com' },
      { url: RELAY, host: 'smtp-relay.gmail.com' },
    ];

    // Act
    const notice = buildHeartbeat({ now: NOW, targets, histories: histories() });

    // Assess
    expect(notice).toMatchObject({
      type: 'HEARTBEAT',
      severity: 'info',
      target: null,
      dedupeKey: 'HEARTBEAT#2026-W23',
    });
    expect(notice.hosts).toEqual(['aspmx.l.google.com', 'smtp-relay.gmail.com']);
    expect(notice.facts.watched).toEqual([
      { target: MX, lastCycleAt: day(0), answered: 6, probes: 6, starttlsMissing: false },
      { target: RELAY, lastCycleAt: day(0), answered: 2, probes: 3, starttlsMissing: true },
    ]);
    expect(notice.facts.served.map((s) => [s.target, s.keyType, s.role, s.subject, s.addresses.length])).toEqual([
      [MX, 'ecdsa', 'leaf', 'CN=mx-ecdsa', 3],
      [MX, 'rsa', 'leaf', 'CN=mx-rsa', 3],
      [RELAY, 'ecdsa', 'leaf', 'CN=relay', 2],
      [RELAY, 'ecdsa', 'chain', 'CN=Relay Intermediate', 0],
    ]);
    expect(notice.facts.nextExpiry).toMatchObject({ subject: 'CN=Relay Intermediate', role: 'chain', daysLeft: 9 });
    expect(notice.subject).toBe('certwatch info: heartbeat 2026-W23: 2 targets, 3 certificates, next expiry in 9 days');
    expect(notice.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(notice.text).toContain('smtp-relay.gmail.com:587: ecdsa WE2 74d (1 of 3 probes failing; STARTTLS missing)');
    expect(notice.text).toContain('Next expiry: CN=Relay Intermediate (chain, ecdsa) on smtp-relay.gmail.com:587');
  });

  it('reports nothing served when no target has answered yet', () => {
    // Prepare
    const targets = [{ url: MX, host: 'aspmx.l.google.com' }];

    // Act
    const notice = buildHeartbeat({ now: NOW, targets, histories: new Map() });

    // Assess
    expect(notice.facts.served).toEqual([]);
    expect(notice.facts.nextExpiry).toBeNull();
    expect(notice.facts.message).toBe('heartbeat 2026-W23: 1 target, 0 certificates, nothing served');
    expect(notice.text).toContain('aspmx.l.google.com:25: no certificate');
  });
});
