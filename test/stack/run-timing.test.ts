/**
 * Timeouts that add up, derived back from the synthesized template (not from lib/run-timing.ts): for
 * each run state machine, every Task's attempts × TimeoutSeconds plus its Retry waits — Plan, the worst
 * shard, Merge — must fit the execution timeout, which must be under the schedule period; a shard
 * state must wait for the whole invocation (init phase + function timeout); and the Plan's shard window
 * must leave a late first attempt its wait, its retry and the Merge. Each group of shards runs in an Express
 * child execution, which AWS ends after 5 minutes: its shards at once, every attempt and wait included.
 * A tampered template fails each check.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { type Asl, aslOf, shardGroupState, shardsPerChild, shardTask } from './run-definition';
import { type Synth, synth } from './synth';

/** The worst a Task state can take: each attempt to its timeout, and each wait (with backoff). */
function worstSeconds(state: Asl): number {
  if (typeof state.TimeoutSeconds !== 'number') return Number.POSITIVE_INFINITY;
  let total = state.TimeoutSeconds;
  for (const retry of state.Retry ?? []) {
    let wait = retry.IntervalSeconds ?? 1;
    for (let i = 0; i < (retry.MaxAttempts ?? 3); i++) {
      total += wait + state.TimeoutSeconds;
      wait *= retry.BackoffRate ?? 2;
    }
  }
  return total;
}

/** What does not add up in one run state machine of the template (empty: it all adds up). */
function timingProblems(template: Template, definition: Asl, periodSeconds: number): string[] {
  const problems: string[] = [];
  // The watch function (the CT reader runs the same handler: its own step is summed below).
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (f) => f.Properties.Handler === 'index.handler' && !/Certificate Transparency/.test(f.Properties.Description),
  );
  const functionSeconds = fn.Properties.Timeout as number;
  const shard = shardTask(definition);
  const steps = {
    plan: worstSeconds(definition.States.Plan),
    shard: worstSeconds(shard),
    merge: Math.max(worstSeconds(definition.States.Merge), worstSeconds(definition.States.MergeAfterShardFailure)),
  };
  // Any other Task on the way (a step before the shards) adds its worst case too.
  const others = Object.entries(definition.States as Record<string, Asl>)
    .filter(([name, state]) => state.Type === 'Task' && !['Plan', 'Merge', 'MergeAfterShardFailure'].includes(name))
    .reduce((sum, [, state]) => sum + worstSeconds(state), 0);
  const execution = definition.TimeoutSeconds as number;
  const sum = steps.plan + others + steps.shard + steps.merge;
  if (!(execution < periodSeconds))
    problems.push(`execution ${execution} s is not under the period ${periodSeconds} s`);
  if (!(sum <= execution))
    problems.push(`plan ${steps.plan} + before ${others} + shard ${steps.shard} + merge ${steps.merge} > ${execution}`);
  // Lambda runs the init phase (at most 10 s) before the function timeout starts.
  if (!(functionSeconds + 10 <= shard.TimeoutSeconds)) {
    problems.push(
      `the shard state (${shard.TimeoutSeconds} s) does not wait for init + the function (${functionSeconds} s)`,
    );
  }
  const window = definition.States.Plan.Parameters.windowSeconds as number;
  const retryWait = shard.Retry[0].IntervalSeconds as number;
  if (!(window + retryWait + shard.TimeoutSeconds + steps.merge <= execution)) {
    problems.push(`the shard window ${window} s leaves a late retry and the merge no room`);
  }
  return problems;
}

/** AWS ends an Express execution after 5 minutes (Step Functions' quotas), its retries and waits included. */
const EXPRESS_LIMIT_SECONDS = 300;

/**
 * The worst a sequence of states takes over `items` items: each state after the other; an inline Map
 * runs its items `MaxConcurrency` at once (0: all), so its worst is that many rounds of its own states.
 */
function statesWorstSeconds(states: Record<string, Asl>, items: number): number {
  return Object.values(states).reduce((sum, state) => {
    if (state.Type !== 'Map') return sum + worstSeconds(state);
    const atOnce = state.MaxConcurrency > 0 ? Math.min(state.MaxConcurrency, items) : items;
    return sum + Math.ceil(items / atOnce) * statesWorstSeconds(state.ItemProcessor.States, 1);
  }, 0);
}

/** What does not fit one Express child execution, a group of shards (empty: it fits). */
function childProblems(definition: Asl): string[] {
  const map = definition.States.Shards;
  const problems: string[] = [];
  if (map.ItemProcessor.ProcessorConfig?.ExecutionType !== 'EXPRESS')
    problems.push('the shards are not Express children');
  const child = statesWorstSeconds(map.ItemProcessor.States, shardsPerChild(definition));
  if (!(child <= EXPRESS_LIMIT_SECONDS)) problems.push(`a child takes up to ${child} s > ${EXPRESS_LIMIT_SECONDS} s`);
  return problems;
}

function machines(s: Synth): Array<{ id: string; definition: Asl }> {
  return Object.entries(s.template.findResources('AWS::StepFunctions::StateMachine')).map(([id, resource]) => ({
    id,
    definition: aslOf(resource),
  }));
}

test.each([
  ['the default 15-minute schedule', {}, 900],
  ['a 5-minute schedule (CT off: its step would not fit)', { schedule: 'rate(5 minutes)', ctLogs: 'off' }, 300],
  ['an hourly schedule', { schedule: 'rate(1 hour)' }, 3600],
])(
  'the watch run of %s adds up: every retry and wait of the worst shard plus Plan and Merge',
  (_what, context, period) => {
    // Act
    const s = synth({ posture: 'off', ...context }, { quietPort25: true });
    const [watch] = machines(s);

    // Assess
    expect(timingProblems(s.template, watch.definition, period)).toEqual([]);
  },
);

test('a 5-minute schedule with the Certificate Transparency step is refused, naming what to change', () => {
  // Act / Assess
  expect(() => synth({ schedule: 'rate(5 minutes)' }, { quietPort25: true })).toThrow(
    /ctBudgetSeconds: the Certificate Transparency step takes up to 100 s of a 5-minute run.*ctLogs=off/,
  );
});

test('the posture run adds up within the posture period on the same function', () => {
  // Act
  const s = synth({}, { quietPort25: true });
  const posture = machines(s).find((m) => m.id.includes('PostureMachine'));

  // Assess
  expect(posture).toBeDefined();
  expect(timingProblems(s.template, posture?.definition ?? {}, 86_400)).toEqual([]);
});

test('the check fails a template whose shard retries no longer fit (control)', () => {
  // Prepare: one more shard retry than the machine was sized for
  const s = synth({ posture: 'off' }, { quietPort25: true });
  const [watch] = machines(s);
  shardTask(watch.definition).Retry[0].MaxAttempts += 1;

  // Act
  const problems = timingProblems(s.template, watch.definition, 900);

  // Assess
  expect(problems).toEqual([expect.stringMatching(/^plan \d+ \+ before \d+ \+ shard \d+ \+ merge \d+ > \d+$/)]);
});

test.each([
  ['the default 15-minute schedule', {}, 'RunMachine'],
  ['the 15-minute schedule without the CT step', { ctLogs: 'off' }, 'RunMachine'],
  ['a 5-minute schedule', { schedule: 'rate(5 minutes)', ctLogs: 'off' }, 'RunMachine'],
  ['an hourly schedule (Lambda would allow 900 s)', { schedule: 'rate(1 hour)' }, 'RunMachine'],
  ['the slowest schedule, 12 hours', { schedule: 'rate(12 hours)' }, 'RunMachine'],
  ['the daily posture run on the same function', {}, 'PostureMachine'],
])(
  'the worst shard of %s fits its Express child execution: attempts × timeout + waits ≤ 5 minutes',
  (_what, context, id) => {
    // Act
    const s = synth(context, { quietPort25: true });
    const machine = machines(s).find((m) => m.id.includes(id));

    // Assess
    expect(machine).toBeDefined();
    expect(childProblems(machine?.definition ?? {})).toEqual([]);
  },
);

test('the child check fails a template whose shard state waits longer than a child may run (control)', () => {
  // Prepare: the function timeout Lambda would allow at an hourly schedule, as before the Express children
  const s = synth({ posture: 'off', schedule: 'rate(1 hour)' }, { quietPort25: true });
  const [watch] = machines(s);
  shardTask(watch.definition).TimeoutSeconds = 910;

  // Act
  const problems = childProblems(watch.definition);

  // Assess
  expect(problems).toEqual(['a child takes up to 1830 s > 300 s']);
});

test("the child check fails a template whose group's shards run one after another (control)", () => {
  // Prepare: a child that runs its group's shards one at a time
  const s = synth({ posture: 'off' }, { quietPort25: true });
  const [watch] = machines(s);
  shardGroupState(watch.definition).MaxConcurrency = 1;

  // Act
  const problems = childProblems(watch.definition);

  // Assess: four shards of 2 × 145 s + 10 s each
  expect(problems).toEqual(['a child takes up to 1200 s > 300 s']);
});
