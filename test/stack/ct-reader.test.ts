/**
 * Certificate Transparency in the stack: on by default with Chrome's published log list, read by a function
 * of its own outside any VPC (NAT-processed gigabytes are billed) between the run's Plan and its shards;
 * `ctLogs=off` leaves it out; a log list file is refused (the function cannot read the deployer's files).
 */
import { CHROME_LOG_LIST_URL } from '../../lambdas/core/ct/logs-setting';
import { machineAsl as definition } from './run-definition';
import { logicalId, synth } from './synth';

describe('CT reader, default stack', () => {
  const s = synth({}, { quietPort25: true });
  const reader = s.stack.watcher.ctReader;
  const fn = () => s.template.toJSON().Resources[logicalId(s, reader?.handler as never)].Properties;

  test("reads Chrome's published log list, verified with Google's key shipped in the bundle", () => {
    expect(reader).toBeDefined();
    expect(fn().Environment.Variables.CERTWATCH_CT_LOGS).toBe(CHROME_LOG_LIST_URL);
    expect(fn().Environment.Variables.CERTWATCH_CT_BUDGET_SECONDS).toBe('60');
  });

  test('has a full vCPU and its budget plus 30 s, no VPC, traced with X-Ray like the run that invokes it', () => {
    expect(fn()).toMatchObject({
      MemorySize: 1769,
      Timeout: 90,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
    expect(fn().VpcConfig).toBeUndefined();
  });

  test('may only write its logs and traces and use its table: it publishes nothing (the merge step does)', () => {
    const roleId = (fn().Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const policies = s.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const actions = Object.values(policies).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.flatMap((st: { Action: string | string[] }) => [st.Action].flat()),
    );
    expect(actions.sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  test('runs between Plan and the shards, tried once within its timeout; a failure is caught and the shards run', () => {
    const d = definition(s.template);
    expect(d.States.Plan.Next).toBe('ReadCtLogs');
    expect(d.States.ReadCtLogs).toMatchObject({
      Type: 'Task',
      Next: 'GroupShards',
      ResultPath: null,
      TimeoutSeconds: 100,
      Parameters: expect.objectContaining({ kind: 'ct' }),
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'GroupShards' }],
    });
    expect(d.States.ReadCtLogs.Retry).toBeUndefined();
  });
});

test('with egress=vpc the watch function is in the VPC and the CT reader is not', () => {
  // Act
  const s = synth({ egress: 'vpc' });

  // Assess
  const resources = s.template.toJSON().Resources;
  expect(resources[logicalId(s, s.stack.watcher.fn)].Properties.VpcConfig).toBeDefined();
  expect(resources[logicalId(s, s.stack.watcher.ctReader?.handler as never)].Properties.VpcConfig).toBeUndefined();
});

test('ctLogs=off leaves the reader out and the run starts with Plan', () => {
  // Act
  const s = synth({ ctLogs: 'off' }, { quietPort25: true });

  // Assess
  expect(s.stack.watcher.ctReader).toBeUndefined();
  s.template.resourceCountIs('AWS::Lambda::Function', 1);
  expect(definition(s.template).States.Plan.Next).toBe('GroupShards');
});

test("the CT step's worst case is taken from the shards: at 10 minutes 88 s and 12 entries at worst instead of 135 s and 24", () => {
  // Act
  const on = synth({ schedule: 'rate(10 minutes)' }, { quietPort25: true });
  const off = synth({ schedule: 'rate(10 minutes)', ctLogs: 'off' }, { quietPort25: true });

  // Assess
  expect([timeout(on), on.stack.watcher.timings.shardTargetsAtWorst]).toEqual([88, 12]);
  expect([timeout(off), off.stack.watcher.timings.shardTargetsAtWorst]).toEqual([135, 24]);
});

test('at the default 15 minutes a shard has what its Express child holds, 135 s and 24 entries, with or without CT', () => {
  // Act
  const on = synth({}, { quietPort25: true });
  const off = synth({ ctLogs: 'off' }, { quietPort25: true });

  // Assess: the CT step still fits beside the capped shards (the run's sum: test/stack/run-timing.test.ts).
  expect([timeout(on), on.stack.watcher.timings.shardTargetsAtWorst]).toEqual([135, 24]);
  expect([timeout(off), off.stack.watcher.timings.shardTargetsAtWorst]).toEqual([135, 24]);
});

/** The watch function's timeout in the template. */
function timeout(s: ReturnType<typeof synth>): number {
  return s.template.toJSON().Resources[logicalId(s, s.stack.watcher.fn)].Properties.Timeout;
}

test('a log list file is refused for the stack, naming the setting', () => {
  // Act / Assess
  expect(() => synth({ ctLogs: 'lists/logs.json' }, { quietPort25: true })).toThrow(/ctLogs.*log list URL/);
});
