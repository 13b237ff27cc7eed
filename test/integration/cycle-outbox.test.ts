import type { Notice } from '../../lambdas/core/notice';
import { SmtpProber } from '../../lambdas/probe/prober';
import { runWatchCycle } from '../../lambdas/run/cycle';
import { at, RecordingPublisher, type ServerPair, useCycleWorkspace } from './cycle-harness';

describe('watch cycle outbox on dynalite: exactly once', () => {
  const ws = useCycleWorkspace('outbox');
  let pair: ServerPair;

  function cycle(publisher: RecordingPublisher, day: number, cycleId?: string) {
    return runWatchCycle(
      { prober: new SmtpProber(), store: ws.embedded.store, publisher },
      { targets: [pair.target], probeOptions: pair.probeOptions, now: at(day), cycleId },
    );
  }

  it('publishes each notice once when two cycles overlap on one store', async () => {
    // Prepare
    const first = await ws.pki.leaf();
    const second = await ws.pki.leaf();
    pair = await ws.startPair(first);
    const left = new RecordingPublisher();
    const right = new RecordingPublisher();

    // Act
    const round1 = await Promise.all([cycle(left, 0, 'left'), cycle(right, 0, 'right')]);
    for (const s of pair.servers) s.setCerts([second]);
    const round2 = await Promise.all([cycle(left, 1, 'left'), cycle(right, 1, 'right')]);
    await Promise.all([cycle(left, 2, 'left'), cycle(right, 2, 'right')]);

    // Assess
    const keys = (ns: Notice[]) => ns.map((n) => n.dedupeKey);
    const all = [...left.published, ...right.published];
    expect(all.map((n) => n.type).sort()).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
    expect(new Set(keys(all)).size).toBe(all.length);
    // Both cycles saw the events; only one published each.
    expect(round1.every((r) => r.notices.some((n) => n.type === 'BASELINE'))).toBe(true);
    expect(round2.flatMap((r) => r.notices).filter((n) => n.type === 'NEW_CERTIFICATE').length).toBeGreaterThanOrEqual(
      1,
    );
    const history = await ws.embedded.store.loadTarget(pair.target.url);
    // Overlapping cycles of one instant count once: 1 quiet cycle since the old leaf left, not 3 (no retirement).
    expect(history.state?.cycles).toBe(3);
    expect(Object.values(history.state?.keyTypes ?? {}).map((k) => k?.cycles)).toEqual(
      Object.keys(history.state?.keyTypes ?? {}).map(() => 3),
    );
    expect(history.certs.find((c) => c.sha256 === first.chain.leaf.sha256)).toMatchObject({ status: 'active' });
    expect(await ws.embedded.store.pendingNotices()).toEqual([]);
  });

  it('redoes detection on fresh history when an overlapping cycle saved the target first', async () => {
    // Prepare
    pair = await ws.startPair(await ws.pki.leaf());
    const slow = new RecordingPublisher();
    const fast = new RecordingPublisher();
    let fastDone: () => void = () => undefined;
    const fastFinished = new Promise<void>((resolve) => {
      fastDone = resolve;
    });
    let slowLoaded: () => void = () => undefined;
    const slowHasLoaded = new Promise<void>((resolve) => {
      slowLoaded = resolve;
    });
    // The real store, seen by the slow cycle: it reads before the fast cycle runs and saves after it finished.
    const held = new Proxy(ws.embedded.store, {
      get(store, property) {
        if (property === 'loadTarget') {
          return async (target: string) => {
            const history = await store.loadTarget(target);
            slowLoaded();
            return history;
          };
        }
        if (property === 'saveTarget') {
          return async (changes: Parameters<typeof store.saveTarget>[0]) => {
            await fastFinished;
            return store.saveTarget(changes);
          };
        }
        const value = Reflect.get(store, property);
        return typeof value === 'function' ? value.bind(store) : value;
      },
    });
    const input = { targets: [pair.target], probeOptions: pair.probeOptions, now: at(0) };

    // Act
    const slowRun = runWatchCycle(
      { prober: new SmtpProber(), store: held, publisher: slow },
      { ...input, cycleId: 'slow' },
    );
    await slowHasLoaded;
    const fastRun = await runWatchCycle(
      { prober: new SmtpProber(), store: ws.embedded.store, publisher: fast },
      { ...input, cycleId: 'fast' },
    );
    fastDone();
    const slowResult = await slowRun;

    // Assess
    expect(fastRun.summary.conflicts).toBe(0);
    expect(slowResult.summary).toMatchObject({ conflicts: 1, unsaved: [], published: 0 });
    expect(fast.types()).toEqual(['BASELINE']);
    expect(slowResult.notices.map((n) => n.type)).toEqual(['BASELINE']);
    expect((await ws.embedded.store.loadTarget(pair.target.url)).state).toMatchObject({ version: 2, cycles: 1 });
  });

  it('keeps a notice whose publish failed pending and publishes it first in the next cycle', async () => {
    // Prepare
    const first = await ws.pki.leaf();
    const second = await ws.pki.leaf();
    pair = await ws.startPair(first);
    const publisher = new RecordingPublisher(1);

    // Act
    const failed = await cycle(publisher, 0);
    const pendingAfterFailure = await ws.embedded.store.pendingNotices();
    for (const s of pair.servers) s.setCerts([second]);
    const retried = await cycle(publisher, 1);

    // Assess
    expect(failed.summary.publishFailures).toEqual([
      { dedupeKey: failed.notices[0].dedupeKey, message: 'topic unavailable (test)' },
    ]);
    expect(pendingAfterFailure).toMatchObject([
      { status: 'pending', attempts: 1, lastError: 'topic unavailable (test)' },
    ]);
    expect(retried.published.map((n) => n.type)).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
    expect(publisher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE']);
    expect(publisher.attempts).toBe(3);
    expect(await ws.embedded.store.pendingNotices()).toEqual([]);
  });
});
