/**
 * The revocation notices of change detection (docs/revocation.md "Notices"), on synthetic observations
 * whose chain entries carry the checker's verdicts.
 */
import { type DetectTarget, detectCycle } from '../../lambdas/core/detect';
import type { NoticeFactsMap } from '../../lambdas/core/notice';
import type { Cert, Observation } from '../../lambdas/core/observation';
import type { Revocation } from '../../lambdas/core/revocation/model';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { cert, DAY, day, INTERMEDIATE, obs, TARGET, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
const B = '192.0.2.2';
const CRL = 'http://crl.test.example/shard-7.crl';
const times = { thisUpdate: day(0).toISOString(), nextUpdate: day(7).toISOString() };
const GOOD: Revocation = { status: 'good', source: 'crl', url: CRL, ...times };
const REVOKED: Revocation = {
  status: 'revoked',
  source: 'ocsp',
  url: 'http://ocsp.test.example/wr2',
  ...times,
  revokedAt: day(0.5).toISOString(),
  reason: 'keyCompromise',
};
const UNKNOWN: Revocation = {
  status: 'unknown',
  source: 'crl',
  url: CRL,
  thisUpdate: null,
  nextUpdate: null,
  error: { code: 'FETCH_FAILED', message: `crl ${CRL}: HTTP 503 from crl.test.example` },
};
const NONE: Revocation = { status: 'none', source: null, url: null, thisUpdate: null, nextUpdate: null };

const LEAF = cert('leaf', { from: -10, to: 80 });

/** The chain with verdicts on each entry (leaf, then the intermediate). */
function chain(leaf: Revocation | undefined, intermediate: Revocation | undefined = GOOD): Cert[] {
  return [
    { ...LEAF, ...(leaf ? { revocation: leaf } : {}) },
    { ...INTERMEDIATE, ...(intermediate ? { revocation: intermediate } : {}) },
  ];
}

const revocationNotices = (watcher: Watcher) =>
  watcher.log.map((cycle) => cycle.filter((n) => n.type === 'CERTIFICATE_REVOKED' || n.type === 'REVOCATION_UNKNOWN'));

describe('CERTIFICATE_REVOKED', () => {
  it('is raised once when a served leaf turns revoked, not again the same day, then once a day while served', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    watcher.cycle(day(0), [obs(A, chain(GOOD))]);
    watcher.cycle(day(0.5), [obs(A, chain(REVOKED)), obs(B, chain(REVOKED))]);
    watcher.cycle(day(0.75), [obs(A, chain(REVOKED))]);
    watcher.cycle(day(1.25), [obs(A, chain(REVOKED))]);
    watcher.cycle(day(1.5), [obs(A, chain(REVOKED))]);
    watcher.cycle(day(2.1), [obs(A, chain(REVOKED))]);

    // Assess
    const found = revocationNotices(watcher);
    expect(found.map((cycle) => cycle.map((n) => n.dedupeKey))).toEqual([
      [],
      [`CERTIFICATE_REVOKED#${TARGET.url}#${LEAF.sha256}`],
      [],
      [`CERTIFICATE_REVOKED#${TARGET.url}#${LEAF.sha256}#2025-03-02`],
      [],
      [`CERTIFICATE_REVOKED#${TARGET.url}#${LEAF.sha256}#2025-03-03`],
    ]);
    const first = found[1][0];
    expect(first.severity).toBe('critical');
    expect(first.facts).toMatchObject({
      revokedAt: REVOKED.revokedAt,
      reason: 'keyCompromise',
      source: 'ocsp',
      addresses: [A, B],
      reminderDay: null,
      firstNoticedAt: day(0.5).toISOString(),
      cert: { sha256: LEAF.sha256, role: 'leaf' },
    });
    expect(first.subject).toBe('certwatch critical: REVOKED ecdsa certificate on mx.test.example:25 (keyCompromise)');
    expect(found[3][0].facts).toMatchObject({ reminderDay: '2025-03-02', firstNoticedAt: day(0.5).toISOString() });
    expect(found[3][0].subject).toMatch(/^certwatch critical: Still serving REVOKED/);
  });

  it('is raised for a revoked intermediate too', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    watcher.cycle(day(0), [obs(A, chain(GOOD, REVOKED))]);

    // Assess
    const [notice] = revocationNotices(watcher)[0];
    expect(notice.facts as NoticeFactsMap['CERTIFICATE_REVOKED']).toMatchObject({
      cert: { sha256: INTERMEDIATE.sha256, role: 'chain' },
    });
    expect(notice.subject).toContain('REVOKED ecdsa intermediate certificate');
  });

  it('names every target still serving the certificate in one notice', () => {
    // Prepare
    const other: DetectTarget = { url: 'smtps://mx.test.example:465', host: 'mx.test.example', mode: 'implicit' };
    const at = (target: DetectTarget, address: string): Observation => ({
      ...obs(address, chain(REVOKED)),
      target: target.url,
      port: target.url.endsWith('465') ? 465 : 25,
    });

    // Act
    const { notices } = detectCycle({
      targets: [TARGET, other],
      histories: new Map(),
      observations: [at(TARGET, A), at(other, B)],
      now: day(0),
      config: DEFAULT_WATCH_CONFIG,
    });

    // Assess
    const revoked = notices.filter((n) => n.type === 'CERTIFICATE_REVOKED');
    expect(revoked).toHaveLength(1);
    expect((revoked[0].facts as NoticeFactsMap['CERTIFICATE_REVOKED']).targets).toEqual([
      { target: TARGET.url, host: TARGET.host, addresses: [A] },
      { target: other.url, host: other.host, addresses: [B] },
    ]);
  });
});

describe('REVOCATION_UNKNOWN', () => {
  it('waits for 24 hours of unknown in every cycle, then is raised once for the streak', () => {
    // Prepare
    const watcher = new Watcher();

    // Act
    watcher.cycle(day(0), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(0.5), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(new Date(day(1).getTime() - 60_000), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(1), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(3), [obs(A, chain(UNKNOWN))]);

    // Assess
    const found = revocationNotices(watcher);
    expect(found.map((cycle) => cycle.map((n) => n.type))).toEqual([[], [], [], ['REVOCATION_UNKNOWN'], []]);
    expect(found[3][0].facts).toMatchObject({
      since: day(0).toISOString(),
      error: { code: 'FETCH_FAILED' },
      addresses: [A],
    });
    expect(found[3][0].severity).toBe('warning');
  });

  it('is never raised on one failed fetch, and a trusted answer ends the streak', () => {
    // Prepare
    const watcher = new Watcher();

    // Act: a lone unknown a day ago, good since; then a streak broken by a good cycle
    watcher.cycle(day(0), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(0.9), [obs(A, chain(GOOD))]);
    watcher.cycle(day(1.5), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(2), [obs(A, chain(GOOD))]);
    watcher.cycle(day(2.4), [obs(A, chain(UNKNOWN))]);
    watcher.cycle(day(3.5), [obs(A, chain(UNKNOWN))]);

    // Assess: only the last streak (2.4 → 3.5) lasted a day
    const found = revocationNotices(watcher).flat();
    expect(found.map((n) => n.dedupeKey)).toEqual([
      `REVOCATION_UNKNOWN#${TARGET.url}#${LEAF.sha256}#${day(2.4).toISOString()}`,
    ]);
  });

  it('is never raised for a certificate that names no source, nor for an intermediate, nor with revocation off', () => {
    // Prepare
    const none = new Watcher();
    const intermediate = new Watcher();
    const off = new Watcher();

    // Act
    for (const d of [0, 1, 2, 3]) {
      none.cycle(day(d), [obs(A, chain(NONE))]);
      intermediate.cycle(day(d), [obs(A, chain(GOOD, UNKNOWN))]);
      off.cycle(day(d), [obs(A, chain(undefined, undefined))]);
    }

    // Assess
    expect([none, intermediate, off].map((w) => revocationNotices(w).flat())).toEqual([[], [], []]);
    expect(off.history.certs.some((c) => c.revocation !== undefined)).toBe(false);
  });

  it('keeps a steady cycle free of writes: the record changes only when the streak starts or ends', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(day(0), [obs(A, chain(GOOD))]);
    const writes: number[] = [];

    // Act
    for (const [d, verdict] of [
      [0.1, GOOD],
      [0.2, UNKNOWN],
      [0.3, UNKNOWN],
      [0.4, GOOD],
      [0.5, GOOD],
    ] as const) {
      const before = watcher.history.certs.find((c) => c.sha256 === LEAF.sha256)?.rev;
      watcher.cycle(day(d), [obs(A, chain(verdict))]);
      writes.push((watcher.history.certs.find((c) => c.sha256 === LEAF.sha256)?.rev ?? 0) - (before ?? 0));
    }

    // Assess
    expect(writes).toEqual([0, 1, 0, 1, 0]);
    expect(DAY).toBe(86_400_000);
  });
});
