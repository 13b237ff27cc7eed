/**
 * The shards run as Express child executions of the Distributed Map (docs/deploy.md "What it costs per
 * month": billed per request and duration instead of three standard state transitions each), in both the
 * watch and the posture state machine, and each machine's role may start them: executions of that same
 * state machine, which is what the Map starts its children as. That each child fits Express's 5 minutes
 * is derived from the template in test/stack/run-timing.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, type Synth, synth } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language, read as plain JSON
type Asl = Record<string, any>;

let s: Synth;

beforeAll(() => {
  s = synth({}, { quietPort25: true });
});

/** The definition of the state machine with this logical id, tokens replaced by a marker so it parses. */
function definitionOf(id: string): Asl {
  const body = s.template.toJSON().Resources[id].Properties.DefinitionString as
    | { 'Fn::Join': [string, unknown[]] }
    | string;
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

function machineIds(): Array<[string, string]> {
  const w = s.stack.watcher;
  return [
    ['watch', logicalId(s, w.run.stateMachine)],
    ['posture', logicalId(s, (w.postureRun as NonNullable<typeof w.postureRun>).stateMachine)],
  ];
}

test.each([['watch'], ['posture']])('the %s run starts its shards as Express child executions', (mode) => {
  // Act
  const [, id] = machineIds().find(([m]) => m === mode) as [string, string];
  const shards = definitionOf(id).States.Shards;

  // Assess
  expect(shards.Type).toBe('Map');
  expect(shards.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
  expect(Object.keys(shards.ItemProcessor.States)).toEqual(['Shard']);
});

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
