/**
 * The watcher watched: alarms on function errors, on dead letters and on "no successful cycle in two
 * schedule periods", all notifying the notice topic, and a dashboard of days to expiry per target.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WATCH_METRICS } from '../lambdas/contract/metrics';
import type { KeyType } from '../lambdas/core/observation';
import type { Target } from '../lambdas/core/targets';

/** Properties of {@link WatcherMonitoring}. */
export interface WatcherMonitoringProps {
  fn: IFunction;
  /** The runs' state machines (watch, posture): a failed or timed-out run is alarmed. */
  stateMachines: readonly IStateMachine[];
  deadLetters: IQueue;
  topic: ITopic;
  /** The schedule's period: the no-success alarm looks at two of them. */
  schedulePeriod: Duration;
  /** Probed targets and key types: one days-to-expiry line each. */
  targets: readonly Target[];
  keyTypes: readonly KeyType[];
  /** Drawn as lines on the days-to-expiry graph. */
  expiryThresholdsDays: readonly number[];
}

/** Graph lines drawn one per target × key type before a SEARCH expression replaces them. */
const MAX_EXPIRY_LINES = 40;

/** Alarms and dashboard of a certificate watcher. */
export class WatcherMonitoring extends Construct {
  readonly errorsAlarm: Alarm;
  readonly deadLettersAlarm: Alarm;
  readonly noSuccessfulCycleAlarm: Alarm;
  readonly runFailedAlarm: Alarm;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: WatcherMonitoringProps) {
    super(scope, id);
    const { fn, deadLetters, topic, schedulePeriod } = props;
    const metric = (metricName: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: WATCH_METRICS.namespace,
        metricName,
        dimensionsMap: { service: WATCH_METRICS.service, ...dimensions },
        statistic,
        period,
      });

    // A step's error that its retry recovers is no alarm: the function counts a step failed only on the
    // last attempt the state machine gives it (or on a direct invocation).
    this.errorsAlarm = new Alarm(this, 'FunctionErrors', {
      alarmDescription:
        'certwatch: a step of a run failed on its last attempt, or a direct invocation failed (see the function logs)',
      metric: metric(WATCH_METRICS.stepFailed, 'Sum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm = new Alarm(this, 'DeadLetters', {
      alarmDescription:
        'certwatch: a scheduled cycle could not be delivered or failed after retries (dead-letter queue)',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // One bucket per schedule period holds one cycle; two empty buckets in a row = two missed cycles.
    // Missing data is breaching: a watcher that stopped running emits nothing at all.
    this.noSuccessfulCycleAlarm = new Alarm(this, 'NoSuccessfulCycle', {
      alarmDescription: `certwatch: no watch cycle succeeded in 2 schedule periods (${schedulePeriod.toMinutes()} minutes each)`,
      metric: metric(WATCH_METRICS.cycleSucceeded, 'Sum', schedulePeriod),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.BREACHING,
    });
    const runMetrics: Record<string, IMetric> = {};
    props.stateMachines.forEach((machine, i) => {
      runMetrics[`failed${i}`] = machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' });
      runMetrics[`timedOut${i}`] = machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' });
      runMetrics[`aborted${i}`] = machine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' });
    });
    const runProblems = new MathExpression({
      expression: Object.keys(runMetrics).join(' + '),
      usingMetrics: runMetrics,
      period: Duration.minutes(5),
      label: 'runs failed, timed out or aborted',
    });
    this.runFailedAlarm = new Alarm(this, 'RunFailed', {
      alarmDescription:
        'certwatch: a watch run (state machine) failed, timed out or was aborted: a shard failed after retries',
      metric: runProblems,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.errorsAlarm, this.deadLettersAlarm, this.noSuccessfulCycleAlarm, this.runFailedAlarm];
    for (const alarm of alarms) {
      alarm.addAlarmAction(new SnsAction(topic));
      alarm.addOkAction(new SnsAction(topic));
    }

    // A long list is drawn by one SEARCH (a dashboard graph holds few lines, and the template stays small).
    const expiryLines: IMetric[] =
      props.targets.length * props.keyTypes.length > MAX_EXPIRY_LINES
        ? [
            new MathExpression({
              expression: `SEARCH('{${WATCH_METRICS.namespace},keyType,service,target} MetricName="${WATCH_METRICS.daysToExpiry}"', 'Minimum', 3600)`,
              label: '',
              period: Duration.hours(1),
            }),
          ]
        : props.targets.flatMap((target) =>
            props.keyTypes.map((keyType) =>
              metric(WATCH_METRICS.daysToExpiry, 'Minimum', Duration.hours(1), { target: target.url, keyType }).with({
                label: `${target.url} ${keyType}`,
              }),
            ),
          );
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
      widgets: [
        [
          new GraphWidget({
            title: 'Days to expiry (earliest leaf per target and key type)',
            left: expiryLines,
            leftYAxis: { min: 0, label: 'days', showUnits: false },
            leftAnnotations: props.expiryThresholdsDays.map(
              (days): HorizontalAnnotation => ({ value: days, label: `${days} d`, color: '#ff7f0e' }),
            ),
            width: 24,
            height: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Cycles',
            left: [
              metric(WATCH_METRICS.cycleSucceeded, 'Sum', schedulePeriod).with({ label: 'succeeded' }),
              fn.metricErrors({ period: schedulePeriod, statistic: 'Sum' }).with({ label: 'function errors' }),
            ],
            right: [metric(WATCH_METRICS.probeFailures, 'Sum', schedulePeriod).with({ label: 'failed probes' })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Notices by type',
            left: [
              new MathExpression({
                expression: `SEARCH('{${WATCH_METRICS.namespace},service,type} MetricName="${WATCH_METRICS.notices}"', 'Sum', 3600)`,
                label: '',
                period: Duration.hours(1),
              }),
            ],
            width: 12,
          }),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
      ],
    });
  }
}
