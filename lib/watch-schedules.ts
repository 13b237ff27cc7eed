/**
 * The schedules that invoke the watch function: one watch cycle per period, and (unless off) one TLS
 * posture cycle per posture period, through Scheduler's own role with exactly the invoke and
 * dead-letter permissions. Undeliverable events go to the function's dead-letter queue.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Properties of {@link WatchSchedules}. */
export interface WatchSchedulesProps {
  fn: IFunction;
  /** The run state machine the watch schedule starts (plan, shards, merge). */
  stateMachine: IStateMachine;
  deadLetters: IQueue;
  /** Time between watch cycles. */
  period: Duration;
  /** Time between posture cycles, or `off`. */
  posturePeriod: Duration | 'off';
}

/** The watch schedule and the posture schedule. */
export class WatchSchedules extends Construct {
  readonly watch: Schedule;
  /** Unless posture is off. */
  readonly posture?: Schedule;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: WatchSchedulesProps) {
    super(scope, id);
    const { fn, deadLetters, period } = props;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'certwatch schedule: invoke the watch function, dead-letter undeliverable events',
    });
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }),
    );
    if (props.posturePeriod !== 'off') {
      this.role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    }
    this.role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] }));
    // The targets get a view of the role that grants cannot widen.
    const role = this.role.withoutPolicyUpdates();
    this.watch = new Schedule(this, 'Watch', {
      description: 'certwatch: run one watch cycle (the run state machine)',
      schedule: ScheduleExpression.rate(period),
      target: new StepFunctionsStartExecution(props.stateMachine, {
        role,
        retryAttempts: 2,
        maxEventAge: Duration.seconds(Math.max(60, Math.min(period.toSeconds(), 86_400))),
        deadLetterQueue: deadLetters,
      }),
    });
    if (props.posturePeriod !== 'off') {
      this.posture = new Schedule(this, 'Posture', {
        description: 'certwatch: run one TLS posture cycle',
        schedule: ScheduleExpression.rate(props.posturePeriod),
        target: new LambdaInvoke(fn, {
          input: ScheduleTargetInput.fromObject({ kind: 'posture' }),
          role,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: deadLetters,
        }),
      });
    }
  }
}
