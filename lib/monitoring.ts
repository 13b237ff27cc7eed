/**
 * The watcher watched: alarms on function errors, on dead letters and on "no successful cycle in two
 * schedule periods", all notifying the notice topic, and a dashboard of the list's expiry: the least days
 * per key type and the targets by condition (metrics that do not grow with the list), every target's days
 * from its log lines (Logs Insights), and the DaysToExpiry lines of the targets marked for one.
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
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EXPIRY_LOG, TARGET_STATES, WATCH_METRICS } from '../lambdas/contract/metrics';
import type { KeyType } from '../lambdas/core/observation';

/** Properties of {@link WatcherMonitoring}. */
export interface WatcherMonitoringProps {
  fn: IFunction;
  /** The runs' state machines (watch, posture): a failed or timed-out run is alarmed. */
  stateMachines: readonly IStateMachine[];
  deadLetters: IQueue;
  topic: ITopic;
  /** The schedule's period: the no-success alarm looks at two of them. */
  schedulePeriod: Duration;
  /** The function's log group: its expiry lines feed the per-target table. */
  logGroup: ILogGroup;
  /** Key types probed: one least-days line each. */
  keyTypes: readonly KeyType[];
  /** Drawn as lines on the days-to-expiry graph. */
  expiryThresholdsDays: readonly number[];
}

/** Rows of the per-target expiry table (soonest first). */
const EXPIRY_TABLE_ROWS = 100;

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

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
      widgets: [
        [
          new GraphWidget({
            title: 'Days to expiry: the earliest leaf of the list, per key type',
            left: props.keyTypes.map((keyType) =>
              metric(WATCH_METRICS.minDaysToExpiry, 'Minimum', Duration.hours(1), { keyType }).with({ label: keyType }),
            ),
            leftYAxis: { min: 0, label: 'days', showUnits: false },
            leftAnnotations: props.expiryThresholdsDays.map(
              (days): HorizontalAnnotation => ({ value: days, label: `${days} d`, color: '#ff7f0e' }),
            ),
            width: 12,
            height: 8,
          }),
          new GraphWidget({
            title: 'Targets by condition (per run)',
            left: TARGET_STATES.map((state) =>
              metric(WATCH_METRICS.targets, 'Sum', schedulePeriod, { state }).with({ label: state }),
            ),
            stacked: true,
            width: 12,
            height: 8,
          }),
        ],
        [
          new LogQueryWidget({
            title: `Days to expiry per target, soonest first (${EXPIRY_TABLE_ROWS} rows; from the function's log lines)`,
            logGroupNames: [props.logGroup.logGroupName],
            view: LogQueryVisualizationType.TABLE,
            queryLines: [
              `filter message = "${EXPIRY_LOG.message}"`,
              `stats ${['days', ...props.keyTypes].map((f) => `latest(${f}) as ${f}`).join(', ')}, latest(@timestamp) as seen by target`,
              'sort days asc',
              `limit ${EXPIRY_TABLE_ROWS}`,
            ],
            width: 12,
            height: 8,
          }),
          // Only targets marked for it have a DaysToExpiry metric (context metricTargets, targets add --metric).
          new GraphWidget({
            title: 'Days to expiry of the marked targets (per target and key type)',
            left: [
              new MathExpression({
                expression: `SEARCH('{${WATCH_METRICS.namespace},keyType,service,target} MetricName="${WATCH_METRICS.daysToExpiry}"', 'Minimum', 3600)`,
                label: '',
                period: Duration.hours(1),
              }),
            ],
            leftYAxis: { min: 0, label: 'days', showUnits: false },
            width: 12,
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
