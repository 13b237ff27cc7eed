/**
 * The shards run in Express child executions of the Distributed Map (docs/deploy.md "What it costs per
 * month": billed per request and duration instead of standard state transitions), a group of shards per
 * child, at once, in both the watch and the posture state machine, and each machine's role may start
 * them: executions of that same state machine, which is what the Map starts its children as. That each
 * child fits Express's 5 minutes is derived from the template in test/stack/run-timing.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { SHARD_CONCURRENCY } from '../../lib/run-state-machine';
import { type Asl, aslOf, shardGroupState, shardsPerChild } from './run-definition';
import { logicalId, type Synth, synth } from './synth';

let s: Synth;

beforeAll(() => {
  s = synth({}, { quietPort25: true });
});

/** The definition of the state machine with this logical id. */
function definitionOf(id: string): Asl {
  return aslOf(s.template.toJSON().Resources[id]);
}

function machineIds(): Array<[string, string]> {
  const w = s.stack.watcher;
  return [
    ['watch', logicalId(s, w.run.stateMachine)],
    ['posture', logicalId(s, (w.postureRun as NonNullable<typeof w.postureRun>).stateMachine)],
  ];
}

test.each([['watch'], ['posture']])(
  'the %s run starts its shards in Express child executions, a group of shards at once in each',
  (mode) => {
    // Act
    const [, id] = machineIds().find(([m]) => m === mode) as [string, string];
    const definition = definitionOf(id);
    const shards = definition.States.Shards;
    const group = shardGroupState(definition);

    // Assess: one child per group of Plan's shard numbers, its shards run at once, the Lambda
    // invocations at once never more than SHARD_CONCURRENCY.
    expect(definition.States.GroupShards).toMatchObject({ Type: 'Pass', Next: 'Shards', ResultPath: '$.shardGroups' });
    expect(shards).toMatchObject({ Type: 'Map', ItemsPath: '$.shardGroups.groups' });
    expect(shards.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    expect(Object.keys(shards.ItemProcessor.States)).toEqual(['ShardGroup']);
    expect(group).toMatchObject({ Type: 'Map', ItemsPath: '$.shards', End: true });
    expect(group.ItemProcessor.ProcessorConfig ?? { Mode: 'INLINE' }).toMatchObject({ Mode: 'INLINE' });
    expect(Object.keys(group.ItemProcessor.States)).toEqual(['Shard']);
    expect(group.MaxConcurrency).toBeGreaterThanOrEqual(shardsPerChild(definition));
    expect(shards.MaxConcurrency * group.MaxConcurrency).toBeLessThanOrEqual(SHARD_CONCURRENCY);
  },
);

test.each([['watch'], ['posture']])("the %s run's role may start the Map's children: executions of itself", (mode) => {
  // Prepare
  const [, id] = machineIds().find(([m]) => m === mode) as [string, string];
  const role = s.template.toJSON().Resources[id].Properties.RoleArn['Fn::GetAtt'][0] as string;

  // Assess: an inline policy on the machine's own role allows StartExecution on the machine itself.
  s.template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: role }],
    PolicyDocument: {
      Statement: Match.arrayWith([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: id } }]),
    },
  });
});
