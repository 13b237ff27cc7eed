import { crashViolations, runCrashCampaign } from './crash-anywhere';
import { useScenario } from './cycle-scenario';

describe('crash anywhere: a cycle SIGKILLed at its step boundaries, then a normal cycle', () => {
  const suite = useScenario();

  it('keeps the history of an uninterrupted run and publishes each notice once, but for the mark-sent window', async () => {
    // Act: kill the first cycle after the probe, after its fourth store write, after the store phase,
    // holding a publish claim, after SNS accepted a notice, and after its last write.
    const result = await runCrashCampaign(
      {
        phases: [0],
        pick: (b) => [
          b.indexOf('probe'),
          b.findIndex(
            (name, i) =>
              name.startsWith('write:') && b.slice(0, i + 1).filter((n) => n.startsWith('write:')).length === 4,
          ),
          b.indexOf('afterStore'),
          b.findIndex((name) => name.startsWith('claimed:')),
          b.findIndex((name) => name.startsWith('published:')),
          b.length - 1,
        ],
      },
      suite.scenario,
    );

    // Assess
    expect(result.runs).toHaveLength(6);
    expect(
      crashViolations(result.runs).map(
        (r) =>
          `after ${r.boundary} (#${r.index}): lost ${r.lost.length}, duplicated ${r.duplicated.length}, extra ${r.unexpected.join(' ')}, history ${r.historyMatches ? 'same' : 'differs'}, pending ${r.pendingAtEnd}`,
      ),
    ).toEqual([]);
    // At-least-once window: SNS accepted the notice and the process died before the outbox said so.
    // The next cycle past the lease publishes it again — once, with the same dedupe key.
    const windowed = result.runs.filter((r) => r.windowDuplicates.length > 0);
    expect(windowed.map((r) => [r.boundary, r.windowDuplicates.length])).toEqual([['published:BASELINE', 1]]);
    // Six child processes (node + tsx) and the cycles after them: minutes with both cores busy.
  }, 300_000);
});
