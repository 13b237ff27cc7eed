/**
 * The rollout model over days of simulated cycles: the serving mix per address, retirement with bounded
 * error, return, rollout progress as a share, first light, shared certificates. Pure detection, `now`
 * injected, DNS answers that change per cycle. Pauses, clock steps and late retries: detect-rollout-time.
 */
import { type DetectTarget, detectCycle } from '../../lambdas/core/detect';
import type { TargetHistory } from '../../lambdas/core/history';
import type { Notice, NoticeFactsMap } from '../../lambdas/core/notice';
import type { Cert, Observation } from '../../lambdas/core/observation';
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { Rng } from '../fuzz/prng';
import { cert, failed, INTERMEDIATE, obs, T0, TARGET, Watcher } from './detect-fixtures';

const HOUR = 3_600_000;
const A = '192.0.2.1';
const B = '192.0.2.2';
const C = '192.0.2.3';
const OLD = cert('old', { from: -30, to: 60 });
const NEW = cert('new', { from: -1, to: 89 });

function hour(n: number): Date {
  return new Date(T0.getTime() + n * HOUR);
}

/** The observation of one address of a DNS answer (`samples` handshakes presented `leaf`). */
function at(address: string, leaf: Cert, samples = 1): Observation {
  return { ...obs(address, [leaf, INTERMEDIATE]), ...(samples > 1 ? { samples } : {}) };
}

function types(notices: readonly Notice[]): string[] {
  return notices.map((n) => n.type);
}

/** Quarter-hourly cycles from `from` to `to` hours, each seeing what `see(h)` returns. */
function quarterHours(watcher: Watcher, from: number, to: number, see: (h: number) => Observation[]): Notice[] {
  const out: Notice[] = [];
  for (let h = from; h < to; h += 0.25) out.push(...watcher.cycle(hour(h), see(h)));
  return out;
}

describe('rollout model', () => {
  it('never retires the old leaf while its frontend keeps serving it though DNS names one address per cycle', () => {
    // Prepare: A keeps the old leaf, B has the new one; each hourly answer names one of them, a day each.
    const watcher = new Watcher();
    watcher.cycle(hour(0), [at(A, OLD)]);

    // Act
    for (let h = 1; h <= 10 * 24; h++) {
      const dayIndex = Math.floor(h / 24);
      watcher.cycle(hour(h), [dayIndex % 2 === 0 ? at(A, OLD) : at(B, NEW)]);
    }

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
    expect(watcher.history.certs.find((c) => c.sha256 === OLD.sha256)?.status).toBe('active');
  });

  it('never retires either leaf of one address that serves old and new at random for a week', () => {
    // Prepare: one load-balanced address, every handshake reaching old or new at even odds.
    const watcher = new Watcher();
    const rng = Rng.for(21, 'two-backends');
    watcher.cycle(hour(0), [at(A, OLD)]);

    // Act
    quarterHours(watcher, 1, 7 * 24, () => [at(A, rng.chance(0.5) ? OLD : NEW)]);

    // Assess
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
  });

  it('reads a timeout, a reset or KEY_TYPE_UNAVAILABLE as unobserved, not changed', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(hour(0), [at(A, OLD), at(B, OLD)]);
    watcher.cycle(hour(1), [at(A, NEW), at(B, OLD)]);

    // Act: B never answers again for a week while A serves the new leaf.
    for (let h = 2; h < 24 * 7; h++) {
      const trouble = (['CONNECT_TIMEOUT', 'TLS_HANDSHAKE_FAILED', 'KEY_TYPE_UNAVAILABLE'] as const)[h % 3];
      watcher.cycle(hour(h), h % 5 === 0 ? [at(A, NEW)] : [at(A, NEW), failed(B, trouble)]);
    }

    // Assess: B's last observation (the old leaf) went stale after 48 h: one retirement, naming B as stale.
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);
    const retired = watcher.log.flat().find((n) => n.type === 'CERTIFICATE_RETIRED') as Notice<'CERTIFICATE_RETIRED'>;
    expect(retired.facts.replacedOn).toEqual([
      { address: A, by: NEW.sha256, at: expect.any(String) },
      { address: B, by: null, at: hour(1).toISOString() },
    ]);
    expect(Date.parse(retired.at) - hour(1).getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    expect(retired.text).toContain('unobserved since');
  });

  it('retires a leaf on sampling evidence once the rollout is a window old and busy addresses moved on', () => {
    // Prepare: a day of quarter-hourly cycles on three addresses serving the old leaf, then a rollout.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD), at(C, OLD)]);
    quarterHours(watcher, 24, 36, () => [at(A, NEW), at(B, OLD), at(C, OLD)]);

    // Act
    const after = quarterHours(watcher, 36, 60, () => [at(A, NEW), at(B, NEW), at(C, NEW)]);

    // Assess: not before the new leaf has been in the mix for the window (24 h), then at once.
    expect(types(after)).toEqual(['CERTIFICATE_RETIRED']);
    const facts = after[0].facts as NoticeFactsMap['CERTIFICATE_RETIRED'];
    expect(after[0].at).toBe(hour(48).toISOString());
    expect(facts.successors.map((s) => s.sha256)).toEqual([NEW.sha256]);
    expect(facts.lastSeen).toBe(hour(35.75).toISOString());
    expect(facts.evidence).toEqual({ rule: 'sampling', predicted: expect.any(Number), looks: expect.any(Number) });
    expect(facts.evidence?.predicted).toBeLessThanOrEqual(0.01);
    expect(after[0].text).toContain(`moved on to new (sha256 ${NEW.sha256.slice(0, 16)})`);
  });

  it('retires a leaf first seen within the window on duration only, even when busy addresses dropped it', () => {
    // Prepare: the new leaf replaces the old on a busy address for two hours, then the rollout is called off.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD)]);
    quarterHours(watcher, 24, 26, () => [at(A, NEW)]);

    // Act
    const after = quarterHours(watcher, 26, 80, () => [at(A, OLD)]);

    // Assess: the old leaf never retired (the rollout was not a window old); the new one waits for the
    // stale window (48 h of watched time) after its last sighting.
    expect(types(after)).toEqual(['CERTIFICATE_RETIRED']);
    const retired = after[0] as Notice<'CERTIFICATE_RETIRED'>;
    expect(retired.facts.cert.sha256).toBe(NEW.sha256);
    expect(retired.facts.evidence?.rule).toBe('duration');
    expect(Date.parse(retired.at) - hour(25.75).getTime()).toBeGreaterThanOrEqual(48 * HOUR);
  });

  it('forgets an address unobserved for two weeks, so the state does not grow with every frontend ever seen', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(hour(0), [at(A, OLD), at(B, OLD)]);

    // Act: B leaves DNS for good.
    for (let h = 1; h <= 15 * 24; h += 6) watcher.cycle(hour(h), [at(A, OLD)]);

    // Assess
    expect(watcher.history.state?.evidence.map((e) => e.address)).toEqual([A]);
    expect(watcher.types()).toEqual(['BASELINE']);
  });

  it('reports rollout progress as the share of connections and the addresses whose mix holds the leaf', () => {
    // Prepare
    const watcher = new Watcher();
    watcher.cycle(hour(0), [at(A, OLD, 4), at(B, OLD, 4), at(C, OLD, 4)]);

    // Act: one handshake of four on A presents the new leaf.
    const first = watcher.cycle(hour(1), [at(A, OLD, 3), at(A, NEW), at(B, OLD, 4)]);
    const spread = watcher.cycle(hour(2), [at(B, NEW, 2), at(B, OLD, 2)]);

    // Assess: never "0 of n"; the second address is progress, not a notice.
    const facts = first[0].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(facts.rollout).toEqual({ addresses: [A], serving: 1, total: 3, share: expect.any(Number) });
    expect(facts.rollout.share).toBeGreaterThan(0);
    expect(facts.rollout.share).toBeLessThan(0.25);
    expect(first[0].subject).toMatch(/\(~\d+ % of connections, 1 of 3 addresses\)/);
    expect(spread).toEqual([]);
  });

  it('raises CERTIFICATE_RETURNED on a rollback, lengthens the windows, and retires the leaf again once', () => {
    // Prepare: rollout to NEW completes, OLD retires.
    const watcher = new Watcher();
    quarterHours(watcher, 0, 24, () => [at(A, OLD), at(B, OLD)]);
    quarterHours(watcher, 24, 50, () => [at(A, NEW), at(B, NEW)]);
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);

    // Act: rollback on B for six hours, then the rollout again.
    const back = watcher.cycle(hour(60), [at(A, NEW), at(B, OLD)]);
    quarterHours(watcher, 60.25, 66, () => [at(A, NEW), at(B, OLD)]);
    const again = quarterHours(watcher, 66, 150, () => [at(A, NEW), at(B, NEW)]);

    // Assess
    expect(types(back)).toEqual(['CERTIFICATE_RETURNED']);
    const facts = back[0].facts as NoticeFactsMap['CERTIFICATE_RETURNED'];
    expect(facts.addresses).toEqual([B]);
    expect(facts.displaces.map((d) => d.sha256)).toEqual([NEW.sha256]);
    expect(back[0].severity).toBe('warning');
    expect(types(again)).toEqual(['CERTIFICATE_RETIRED']);
    // Not before a window after the return, the windows doubled for a week of watched time.
    expect(Date.parse(again[0].at)).toBeGreaterThanOrEqual(hour(84).getTime());
    expect(watcher.history.state?.keyTypes.ecdsa?.hold?.factor).toBe(2);
    const keys = watcher.log.flat().map((n) => n.dedupeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('takes the baseline at first light: failures first count toward PROBE_FAILING, then one BASELINE', () => {
    // Prepare
    const watcher = new Watcher();
    for (let h = 0; h < 4; h++) watcher.cycle(hour(h), [failed(A, 'CONNECT_TIMEOUT'), failed(B, 'CONNECT_TIMEOUT')]);

    // Act
    const light = watcher.cycle(hour(4), [at(A, OLD), at(B, NEW)]);

    // Assess
    expect(watcher.types()).toEqual(['PROBE_FAILING', 'BASELINE', 'PROBE_RECOVERED']);
    const baseline = light.find((n) => n.type === 'BASELINE') as Notice<'BASELINE'>;
    expect(baseline.facts.targets[0].leaves.map((l) => l.sha256).sort()).toEqual([NEW.sha256, OLD.sha256].sort());
  });

  it('takes a key type baseline when that key type first answers, not as NEW_CERTIFICATE', () => {
    // Prepare
    const rsaLeaf = cert('rsa-leaf', { keyAlgorithm: 'RSA 2048' });
    const watcher = new Watcher();
    watcher.cycle(hour(0), [at(A, OLD), failed(A, 'KEY_TYPE_UNAVAILABLE', 'rsa')]);

    // Act
    const later = watcher.cycle(hour(1), [at(A, OLD), obs(A, [rsaLeaf, INTERMEDIATE], { keyType: 'rsa' })]);

    // Assess
    expect(types(later)).toEqual(['BASELINE']);
    expect((later[0].facts as NoticeFactsMap['BASELINE']).targets[0].keyTypes).toEqual(['rsa']);
    expect(later[0].dedupeKey).not.toBe(watcher.log[0][0].dedupeKey);
  });
});

describe('shared certificates', () => {
  const T2: DetectTarget = { url: 'smtps://relay.test.example:465', host: 'relay.test.example', mode: 'implicit' };
  const on = (target: DetectTarget, o: Observation): Observation => ({ ...o, target: target.url, host: target.host });

  class Fleet {
    histories = new Map<string, TargetHistory>();
    log: Notice[][] = [];
    cycle(now: Date, observations: Observation[], save: readonly string[] = [TARGET.url, T2.url]): Notice[] {
      const result = detectCycle({
        targets: [TARGET, T2],
        histories: this.histories,
        observations,
        now,
        config: DEFAULT_WATCH_CONFIG,
      });
      for (const d of result.targets) {
        if (!save.includes(d.target)) continue;
        const before = this.histories.get(d.target) ?? { state: null, certs: [] };
        const certs = new Map(before.certs.map((c) => [c.sha256, c]));
        for (const c of d.changedCerts) certs.set(c.sha256, { ...c, rev: c.rev + 1 });
        this.histories.set(d.target, {
          state: { ...d.state, version: d.state.version + 1 },
          certs: [...certs.values()],
        });
      }
      this.log.push(result.notices);
      return result.notices;
    }
  }

  const both = (leaf: Cert) => [on(TARGET, at(A, leaf)), on(T2, at(B, leaf))];

  it('sends one NEW_CERTIFICATE and one CERTIFICATE_RETIRED for a leaf two targets share, naming both', () => {
    // Prepare
    const fleet = new Fleet();
    for (let h = 0; h < 24; h += 0.25) fleet.cycle(hour(h), both(OLD));

    // Act
    const created = fleet.cycle(hour(24), both(NEW));
    for (let h = 24.25; h <= 50; h += 0.25) fleet.cycle(hour(h), both(NEW));

    // Assess
    expect(types(created)).toEqual(['NEW_CERTIFICATE']);
    expect(created[0].subject).toContain('on 2 targets');
    expect(created[0].target).toBeNull();
    expect(created[0].hosts).toEqual([TARGET.host, T2.host]);
    const facts = created[0].facts as NoticeFactsMap['NEW_CERTIFICATE'];
    expect(facts.targets?.map((t) => t.target)).toEqual([TARGET.url, T2.url].sort());
    const all = fleet.log.flat();
    expect(all.map((n) => n.type)).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);
    expect(all[2].subject).toContain('on 2 targets');
    for (const url of [TARGET.url, T2.url]) {
      expect(fleet.histories.get(url)?.certs.find((c) => c.sha256 === OLD.sha256)?.status).toBe('retired');
    }
  });

  it('keeps the merged dedupe key when a cycle of the same instant finds one target already saved', () => {
    // Prepare
    const fleet = new Fleet();
    fleet.cycle(hour(0), both(OLD));

    // Act: the first run saves only the first target (a crash), the re-run at the same instant the rest.
    const first = fleet.cycle(hour(1), both(NEW), [TARGET.url]);
    const rerun = fleet.cycle(hour(1), both(NEW));

    // Assess
    expect(rerun.map((n) => n.dedupeKey)).toEqual(first.map((n) => n.dedupeKey));
  });

  it('keeps the merged keys when the retry of a partly saved cycle runs later (the Lambda retries with a new clock)', () => {
    // Prepare: the first cycle saves only the first target; so does the next one.
    const fleet = new Fleet();
    const baseline = fleet.cycle(hour(0), both(OLD), [TARGET.url]);
    const baselineRetry = fleet.cycle(hour(0.25), both(OLD));
    fleet.cycle(hour(1), both(OLD));

    // Act
    const created = fleet.cycle(hour(2), both(NEW), [TARGET.url]);
    const retry = fleet.cycle(hour(2.25), both(NEW));

    // Assess: what the retry raises for the lagging target carries the keys already recorded.
    expect(baselineRetry.map((n) => n.dedupeKey)).toEqual(baseline.map((n) => n.dedupeKey));
    expect(retry.map((n) => n.dedupeKey)).toEqual(created.map((n) => n.dedupeKey));
    expect(retry[0].target).toBe(T2.url);
  });
});
