/**
 * A list far beyond one invocation and beyond any environment: 20,000 targets from the file named by
 * context `targetsFile`. The stack synthesizes, the template carries no target list (the list ships
 * beside the handler and the plan step cuts it into shards at run time), and the dashboard is the same
 * as a short list's: aggregates, the expiry log table, a SEARCH for the marked targets.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '../../lambdas/settings/table';
import { ctStepTiming, runTiming } from '../../lib/run-timing';
import { type Synth, synth } from './synth';

/** The default stack reads CT logs between Plan and the shards (docs/ct.md): its step is in the run's sum. */
const DEFAULT_CT_STEP = { extraSteps: [ctStepTiming(SETTINGS.ctBudgetSeconds.default)] };

describe('a stack watching 20,000 targets from a file', () => {
  let dir: string;
  let s: Synth;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'certwatch-large-'));
    const file = join(dir, 'targets.txt');
    const lines = Array.from({ length: 20_000 }, (_, i) => `smtps://mx${i}.example.com:465`);
    writeFileSync(file, `# 20,000 partner relays\n${lines.join('\n')}\n`);
    s = synth({ targetsFile: file, posture: 'off' });
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('synthesizes with every target probed and none of them in the template', () => {
    expect(s.stack.watcher.probedTargets).toHaveLength(20_000);
    const json = JSON.stringify(s.template.toJSON());
    expect(json).not.toContain('mx19999.example.com');
    expect(json.length).toBeLessThan(200_000);
  });

  test('gives the function the shard time of the schedule instead of sizing it from the list', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: runTiming(900, DEFAULT_CT_STEP).functionSeconds,
    });
  });

  test('draws the same dashboard as a short list: nothing in it grows with the list', () => {
    const bodyOf = (t: Synth) =>
      JSON.stringify(Object.values(t.template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    const short = synth({ targets: 'smtps://mx1.example.com:465', posture: 'off' });
    expect(bodyOf(s)).not.toContain('mx1.example.com');
    expect(bodyOf(s)).toEqual(bodyOf(short));
  });
});

test('context targets and targetsFile together are refused, naming targetsFile', () => {
  expect(() => synth({ targets: 'smtps://a.example.com', targetsFile: '/nonexistent' })).toThrow(/targetsFile/);
});
