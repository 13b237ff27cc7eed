/**
 * The certificate watcher: an EventBridge Scheduler schedule invokes a Lambda function that runs one watch
 * cycle, keeping the history in a DynamoDB table and publishing notices to a KMS-encrypted SNS topic,
 * with alarms and a dashboard on top. Reusable in any stack; `CertwatchStack` configures it from context.
 * Composed of parts, each with its own test: HistoryTable, NoticeTopic, WatcherNetwork (egress `vpc`),
 * WatchFunction, WatchSchedules and WatcherMonitoring.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Target } from '../lambdas/core/targets';
import { SETTINGS } from '../lambdas/settings/table';
import { CtReaderFunction } from './ct-function';
import { PORT25_WARNING_ID, planEgress, port25Warning, WatcherNetwork } from './egress';
import { HistoryTable } from './history-table';
import { WatcherMonitoring } from './monitoring';
import { acknowledgeWatcherFindings } from './nag-acknowledgements';
import { NoticeTopic } from './notice-topic';
import { RunStateMachine } from './run-state-machine';
import { type WatcherTimings, watcherTimings } from './run-timing';
import { WatchFunction } from './watch-function';
import { WatchSchedules } from './watch-schedules';
import { type CertificateWatcherProps, watcherRefusal, watcherSettings } from './watcher-settings';

export type { CertificateWatcherProps } from './watcher-settings';

/** The watcher's resources. */
export class CertificateWatcher extends Construct {
  readonly table: HistoryTable;
  readonly topic: NoticeTopic;
  readonly topicKey: IKey;
  readonly function: WatchFunction;
  /** The Lambda function itself. */
  readonly fn: NodejsFunction;
  readonly deadLetters: Queue;
  readonly schedules: WatchSchedules;
  readonly schedule: Schedule;
  /** The posture schedule, unless posture is off. */
  readonly postureSchedule?: Schedule;
  readonly monitoring: WatcherMonitoring;
  /** The scheduled run: plan, shards (Distributed Map), merge. */
  readonly run: RunStateMachine;
  /** The posture run (the same machine over TLS posture), unless posture is off. */
  readonly postureRun?: RunStateMachine;
  /** The times of both runs and the function timeout they share (lib/run-timing.ts). */
  readonly timings: WatcherTimings;
  readonly network?: WatcherNetwork;
  /** The Certificate Transparency reader (outside any VPC), unless `ctLogs` is off. */
  readonly ctReader?: CtReaderFunction;
  /** Targets the function probes, and those left out by the egress mode. */
  readonly probedTargets: readonly Target[];
  readonly skippedTargets: readonly Target[];

  constructor(scope: Construct, id: string, props: CertificateWatcherProps = {}) {
    super(scope, id);
    const settings = watcherSettings(props);
    const plan = planEgress(settings.targets, settings.egress);
    if (plan.probed.length === 0) {
      throw watcherRefusal(
        SETTINGS.targets,
        'every target is on port 25, which a function outside a VPC cannot reach: deploy with -c egress=vpc',
      );
    }
    this.probedTargets = plan.probed;
    this.skippedTargets = plan.skipped;
    if (plan.skipped.length > 0) Annotations.of(this).addWarningV2(PORT25_WARNING_ID, port25Warning(plan.skipped));
    this.timings = watcherTimings(settings);
    const timeout = Duration.seconds(this.timings.functionSeconds);

    // Construct ids of the stateful parts (table, topic and its key, network with its Elastic IP) are
    // their logical ids in deployed stacks: changing one would replace the resource.
    this.table = new HistoryTable(this, 'History');
    this.topic = new NoticeTopic(this, 'Notices', { alertEmails: settings.alertEmails });
    this.topicKey = this.topic.key;
    if (settings.egress === 'vpc') {
      this.network = new WatcherNetwork(this, 'Network', {
        vpc: settings.vpc,
        ports: plan.probed.map((t) => t.port),
        logRetention: settings.logRetention,
      });
    }
    this.function = new WatchFunction(this, 'Function', {
      table: this.table,
      topic: this.topic,
      topicKey: this.topicKey,
      targets: plan.probed,
      settings,
      timeout,
      network: this.network,
      consumerPolicy: props.consumerPolicy,
    });
    this.fn = this.function.handler;
    this.deadLetters = this.function.deadLetters;
    if (settings.ctLogs.kind === 'file') {
      throw watcherRefusal(
        SETTINGS.ctLogs,
        'the stack reads a log list URL (a file is for the CLI): give an https:// URL, or off',
      );
    }
    if (settings.ctLogs.kind === 'url') {
      this.ctReader = new CtReaderFunction(this, 'CtReader', {
        table: this.table,
        settings,
        targets: plan.probed,
        tableName: this.table.tableName,
        topicArn: this.topic.topicArn,
        consumerPolicy: props.consumerPolicy,
      });
    }
    this.run = new RunStateMachine(this, 'RunMachine', {
      fn: this.fn,
      timing: this.timings.watch,
      mode: 'watch',
      logRetention: settings.logRetention,
      ...(this.ctReader
        ? {
            beforeShards: [
              { name: 'ReadCtLogs', fn: this.ctReader.handler, payload: { kind: 'ct' }, continueOnFailure: true },
            ],
          }
        : {}),
    });
    if (this.timings.posture) {
      this.postureRun = new RunStateMachine(this, 'PostureMachine', {
        fn: this.fn,
        timing: this.timings.posture,
        mode: 'posture',
        logRetention: settings.logRetention,
      });
    }
    this.schedules = new WatchSchedules(this, 'Schedules', {
      stateMachine: this.run.stateMachine,
      ...(this.postureRun ? { postureStateMachine: this.postureRun.stateMachine } : {}),
      deadLetters: this.deadLetters,
      period: settings.schedule,
      posturePeriod: settings.postureSchedule,
    });
    this.schedule = this.schedules.watch;
    this.postureSchedule = this.schedules.posture;
    this.monitoring = new WatcherMonitoring(this, 'Monitoring', {
      fn: this.fn,
      stateMachines: [this.run.stateMachine, ...(this.postureRun ? [this.postureRun.stateMachine] : [])],
      deadLetters: this.deadLetters,
      topic: this.topic,
      schedulePeriod: settings.schedule,
      logGroup: this.function.logGroup,
      keyTypes: settings.keyTypes,
      expiryThresholdsDays: settings.watch.expiryThresholdsDays,
    });
    acknowledgeWatcherFindings(this);
  }
}
