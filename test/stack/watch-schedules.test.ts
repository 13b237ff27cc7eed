/**
 * WatchSchedules: the watch schedule and the posture schedule, each starting its run's state machine,
 * through Scheduler's own role (start and dead-letter only, this account only), with retries and the
 * dead-letter queue.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { WatchSchedules } from '../../lib/watch-schedules';
import { ACCOUNT, bareStack, templateOf } from './parts';

function build(period: Duration, posturePeriod: Duration | 'off') {
  const stack = bareStack();
  const deadLetters = new Queue(stack, 'DeadLetters');
  const stateMachine = new StateMachine(stack, 'Run', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'P')),
  });
  const postureStateMachine = new StateMachine(stack, 'PostureRun', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Q')),
  });
  const part = new WatchSchedules(stack, 'Schedules', {
    stateMachine,
    postureStateMachine,
    deadLetters,
    period,
    posturePeriod,
  });
  const ids = {
    posture: id(stack, postureStateMachine),
    queue: id(stack, deadLetters),
    machine: id(stack, stateMachine),
  };
  return { stack, part, ids, template: templateOf(stack) };
}

const id = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

test('starts the run state machine every period, retrying twice, dead-lettering what it cannot deliver', () => {
  // Act
  const { ids, template } = build(Duration.minutes(15), 'off');

  // Assess
  template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'rate(15 minutes)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: { Ref: ids.machine },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
      DeadLetterConfig: { Arn: arn(ids.queue) },
    },
  });
});

test('starts the posture run state machine on its own period', () => {
  // Act
  const { part, ids, template } = build(Duration.minutes(15), Duration.days(1));

  // Assess
  expect(part.posture).toBeDefined();
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'rate(1 day)',
    Target: Match.objectLike({
      Arn: { Ref: ids.posture },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 },
    }),
  });
});

test("uses a role of its own that this account's Scheduler assumes, allowed to start the two runs and dead-letter only", () => {
  // Act
  const { stack, part, ids, template } = build(Duration.hours(1), Duration.days(1));

  // Assess
  const role = id(stack, part.role);
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        },
      ],
    },
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: role }],
    PolicyDocument: {
      Statement: [
        {
          Action: 'states:StartExecution',
          Effect: 'Allow',
          Resource: [{ Ref: ids.machine }, { Ref: ids.posture }],
        },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arn(ids.queue) },
      ],
    },
  });
  for (const schedule of Object.values(template.findResources('AWS::Scheduler::Schedule'))) {
    expect(schedule.Properties.Target.RoleArn).toEqual(arn(role));
  }
});
