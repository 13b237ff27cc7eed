/**
 * The live records (lambdas/core/detect/live-records.ts): what the store's live view holds. The Watcher of
 * detect-fixtures.ts runs every cycle that would read through the view twice, on the view and on the whole
 * history, and fails when the two decide differently; these scenarios are the ones where the view leaves
 * records out, and where a retired record must stay in it.
 */
import { liveRecords } from '../../lambdas/core/detect/live-records';
import { cert, day, INTERMEDIATE, obs, Watcher } from './detect-fixtures';

const A = '192.0.2.1';
const B = '192.0.2.2';
const HOUR = 3_600_000;

/** Cycles every six hours from `from` to `to` (days), both addresses serving what `serving(day)` says. */
function run(watcher: Watcher, from: number, to: number, serving: (d: number) => [typeof OLD, typeof OLD]) {
  for (let t = day(from).getTime(); t <= day(to).getTime(); t += 6 * HOUR) {
    const d = (t - day(0).getTime()) / (24 * HOUR);
    const [a, b] = serving(d);
    watcher.cycle(new Date(t), [obs(A, [a, INTERMEDIATE]), obs(B, [b, INTERMEDIATE])]);
  }
}

const OLD = cert('live-old', { from: -30, to: 60 });
const NEW = cert('live-new', { from: -1, to: 89 });
const NEWER = cert('live-newer', { from: 20, to: 110 });

describe('the live records', () => {
  it('leave out a retired leaf nothing refers to any more, and detection on them decides as on the whole history', () => {
    // Prepare
    const watcher = new Watcher();

    // Act: OLD → NEW → NEWER, each rollout complete; then weeks of the same picture.
    run(watcher, 0, 3, () => [OLD, OLD]);
    run(watcher, 3, 20, () => [NEW, NEW]);
    run(watcher, 20, 40, () => [NEWER, NEWER]);

    // Assess
    expect(watcher.types()).toEqual([
      'BASELINE',
      'NEW_CERTIFICATE',
      'CERTIFICATE_RETIRED',
      'NEW_CERTIFICATE',
      'CERTIFICATE_RETIRED',
    ]);
    const live = liveRecords(watcher.history.state, watcher.history.certs).map((r) => r.sha256);
    expect(live.sort()).toEqual([INTERMEDIATE.sha256, NEWER.sha256].sort());
    expect(watcher.history.certs).toHaveLength(4);
    expect(watcher.views.counts.smaller).toBeGreaterThan(0);
  });

  it('keep the newest leaf of a key type though retired: after a rollback the leaf served is not overdue', () => {
    // Prepare: NEW starts rolling out, then the rollout is called off and OLD stays.
    const watcher = new Watcher();
    run(watcher, 0, 2, () => [OLD, OLD]);
    run(watcher, 2, 4, () => [OLD, NEW]);

    // Act: OLD alone again until well past three quarters of its lifetime (day 37.5), before its first expiry warning (day 39).
    run(watcher, 4, 38, () => [OLD, OLD]);

    // Assess: NEW, retired, is a successor: no ROTATION_OVERDUE, whichever history detection reads.
    expect(watcher.types()).toEqual(['BASELINE', 'NEW_CERTIFICATE', 'CERTIFICATE_RETIRED']);
    const live = liveRecords(watcher.history.state, watcher.history.certs);
    expect(live.find((r) => r.sha256 === NEW.sha256)).toMatchObject({ status: 'retired' });
    expect(watcher.views.counts.viewed).toBeGreaterThan(100);
  });
});
