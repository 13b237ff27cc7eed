/**
 * The schedules that start the runs: one watch run per period, and (unless off) one TLS posture run per
 * posture period, each a state machine (plan, shards, merge), through Scheduler's own role with exactly
 * the start and dead-letter permissions. Undeliverable events go to the function's dead-letter queue.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Properties of {@link WatchSchedules}. */
export interface WatchSchedulesProps {
  /** The run state machine the watch schedule starts (plan, shards, merge). */
  stateMachine: IStateMachine;
  /** The posture run's state machine (when posture is not off). */
  postureStateMachine?: IStateMachine;
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
    const { deadLetters, period } = props;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'certwatch schedule: start the runs, dead-letter undeliverable events',
    });
    const posture = props.posturePeriod !== 'off' ? props.postureStateMachine : undefined;
    if (props.posturePeriod !== 'off' && !posture)
      throw new Error('a posture schedule needs the posture state machine');
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn, ...(posture ? [posture.stateMachineArn] : [])],
      }),
    );
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
    if (props.posturePeriod !== 'off' && posture) {
      this.posture = new Schedule(this, 'Posture', {
        description: 'certwatch: run one TLS posture run (the posture state machine)',
        schedule: ScheduleExpression.rate(props.posturePeriod),
        target: new StepFunctionsStartExecution(posture, {
          role,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: deadLetters,
        }),
      });
    }
  }
}
