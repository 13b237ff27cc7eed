/**
 * Reading a run state machine's definition (Amazon States Language) out of a synthesized template, for
 * the stack tests: tokens replaced by a marker so it parses, and the way to the shard Task, which sits
 * in the inline Map of each Express child of the Distributed Map (lib/run-state-machine.ts).
 */
import type { Template } from 'aws-cdk-lib/assertions';

// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language, read as plain JSON
export type Asl = Record<string, any>;

/** The definition of a state machine resource, tokens replaced by `TOKEN` so it parses as JSON. */
export function aslOf(resource: Asl): Asl {
  const body = resource.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

/** The definition of the template's state machine whose logical id starts with `prefix` (the first one by default). */
export function machineAsl(template: Template, prefix = ''): Asl {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const id = Object.keys(machines).find((key) => key.startsWith(prefix));
  if (!id) throw new Error(`no state machine '${prefix}…' in the template`);
  return aslOf(machines[id]);
}

/** The inline Map each Express child runs over its group of shards. */
export function shardGroupState(definition: Asl): Asl {
  return definition.States.Shards.ItemProcessor.States.ShardGroup;
}

/** The shard Task: one invocation of the function for one shard. */
export function shardTask(definition: Asl): Asl {
  return shardGroupState(definition).ItemProcessor.States.Shard;
}

/** Shards per child, as the GroupShards state cuts Plan's shard numbers (`States.ArrayPartition`). */
export function shardsPerChild(definition: Asl): number {
  const expression = String(definition.States.GroupShards?.Parameters?.['groups.$']);
  const match = /^States\.ArrayPartition\(\$\.shards, (\d+)\)$/.exec(expression);
  if (!match) throw new Error(`GroupShards does not partition $.shards: ${expression}`);
  return Number(match[1]);
}
