/**
 * `certwatch check`: one full watch cycle (probe → detect → store → notify) on the embedded store or a
 * DynamoDB table, notices printed (or published to SNS with --topic-arn), then a summary.
 */
import type { Command } from 'commander';
import type { Notice } from '../core/notice';
import type { NoticePublisher } from '../core/ports';
import type { PolicyRule } from '../core/posture/policy';
import { ConsolePublisher } from '../notify/console-publisher';
import type { CycleResult } from '../run/cycle';
import type { PostureCycleResult } from '../run/posture-cycle';
import type { PreProbeReport } from '../run/watch-run';
import { SETTINGS } from '../settings/table';
import type { OpenedStore } from '../store/open-store';
import type { ShardReport } from './check-sharded';
import { snsPublisherFor, watchConfigFromCliEnv } from './cli-adapters';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { cliSettings } from './cli-settings';
import { addCtOptions, type CtCliValues, ctExtensionFromCli } from './ct-options';
import { addPolicyOption, loadPolicyFile, renderPolicyVerdicts } from './policy-file';
import { addProbeOptions, flagOption, type ProbeCliValues, toProbeOptions } from './probe-options-cli';
import { type RevocationCliValues, revocationFrom } from './revocation-cli';
import { ProgressLine } from './shared/progress';
import {
  addStoreOptions,
  badItemRemedy,
  type StoreCliValues,
  storeLocationFrom,
  withStore,
} from './shared/store-options';
import { renderTable, type TableView } from './shared/table';
import { terminalOf } from './shared/terminal';
import { reportUnusedPins } from './shared/unused-pins';
import { CLI_DEFAULT_SEED, commandTargets, watchTargetsFrom } from './watch-list-cli';

interface CheckValues extends ProbeCliValues, StoreCliValues, RevocationCliValues, CtCliValues {
  topicArn?: string;
  json?: boolean;
  wide?: boolean;
  posture?: boolean;
  require?: string[];
  policy?: string;
  shards?: string;
  shardWorkers?: string;
}

/** A publisher for `--json` without a topic: the notices are delivered in the JSON document. */
class JsonDocumentPublisher implements NoticePublisher {
  async publish(_notice: Notice) {
    return { messageId: null };
  }
}

/** `certwatch check`. */
export function registerCheckCommand(program: Command, run: CliRun): void {
  addCtOptions(
    addPolicyOption(
      addStoreOptions(
        addProbeOptions(
          program
            .command('check')
            .description('run one watch cycle: probe, compare with the stored history, record it and print the notices')
            .argument(
              '[targets...]',
              "smtp://host[:port] (STARTTLS), smtps://host[:port] (implicit TLS), mx:DOMAIN or a set name; default: the store's watch list",
            ),
        ),
      ),
    ),
  )
    .option('--topic-arn <arn>', 'publish the notices to this SNS topic instead of printing them')
    .option('--json', 'print { observations, notices, published, summary[, posture] } as one JSON document')
    .option('--wide', 'full SHA-256 fingerprints in the table (default: the first 16 hex digits)')
    .option('--posture', 'also run the TLS posture cycle: enumerate versions and suites, notice on drift')
    .option(
      '--require <policy>',
      'with --posture: rules whose violation is a critical notice, e.g. min-version=TLS1.2,no-3des (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(...flagOption(SETTINGS.shards, 'n'))
    .option(...flagOption(SETTINGS.shardWorkers, 'n'))
    .option(...flagOption(SETTINGS.revocation, 'crl,ocsp|crl|ocsp|off'))
    .option(...flagOption(SETTINGS.revocationMaxBytes, 'bytes'))
    .action(async (args: string[], values: CheckValues) => {
      const location = storeLocationFrom(values);
      const sharding = shardingFrom(values, args);
      const options = toProbeOptions(values);
      const revocation = revocationFrom(values, true);
      if (revocation) options.revocation = revocation;
      if (values.policy) options.policy = await loadPolicyFile(values.policy);
      const given = args.length > 0 ? watchTargetsFrom(args) : null;
      const rules = postureRulesFrom(values);
      const config = watchConfigFromCliEnv();
      const publisher = await publisherFor(values, run);
      const ct = await ctExtensionFromCli(values);
      if (ct && sharding)
        throw new UsageError('--ct-logs cannot be combined with --shards (the stack reads CT logs before its shards)');
      const now = new Date();
      const [{ SmtpProber }, { WatchRun }, { REVOCATION_EXTENSION }] = await Promise.all([
        import('../probe/prober.js'),
        import('../run/watch-run.js'),
        import('../probe/revocation-extension.js'),
      ]);
      const progress = new ProgressLine(run.stderr, 'probing');
      let shardReports: ShardReport[] | undefined;
      let preProbe: PreProbeReport[] = [];
      const { result, posture } = await withStore(location, { run }, async (opened) => {
        const { store, where } = opened as OpenedStore;
        // Sets the list up from the default set when it never was, and refuses an empty list (exit 2).
        if (!given) await commandTargets([], store, where, now);
        const watchRun = new WatchRun(
          { prober: new SmtpProber(undefined, progress, store), store, publisher },
          {
            probeOptions: options,
            watch: config,
            list: given ? { kind: 'given', entries: given } : { kind: 'store', seed: CLI_DEFAULT_SEED },
            postureRules: rules,
            extensions: [REVOCATION_EXTENSION, ...(ct ? [ct] : [])],
          },
        );
        if (sharding) {
          progress.stop();
          const { runShardedCheck } = await import('./check-sharded.js');
          const sharded = await runShardedCheck(opened as OpenedStore, {
            shards: sharding.shards,
            probeOptions: options,
            watch: config,
            publisher,
            now,
            workers: { workers: sharding.workers },
          });
          shardReports = sharded.shards;
          return { result: sharded.result, posture: undefined };
        }
        const certificates = await watchRun.cycle(now);
        const postureResult = values.posture ? await watchRun.posture(now) : undefined;
        preProbe = certificates.preProbe;
        return { result: certificates, posture: postureResult };
      }).finally(() => progress.stop());
      if (values.json) {
        const { observations, notices, published, summary } = result;
        const document = {
          observations,
          notices,
          published,
          summary,
          ...(posture ? { posture } : {}),
          ...(shardReports ? { shards: shardReports } : {}),
          ...(preProbe.length > 0 ? { preProbe } : {}),
        };
        run.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      } else {
        run.stdout.write(`${renderCheck(result, now, { terminal: terminalOf(run.stdout), wide: values.wide })}\n`);
        if (posture) run.stdout.write(`${renderPostureSummary(posture)}\n`);
      }
      reportUnusedPins(run.stderr, options.resolve, result.observations);
      const publishFailures = [...result.summary.publishFailures, ...(posture?.publishFailures ?? [])];
      if (publishFailures.length > 0) {
        // One line: how many stay pending (the outbox publishes them on the next cycle) and the first reason.
        const count = new Set(publishFailures.map((f) => f.dedupeKey)).size;
        run.stderr.write(
          `certwatch: ${count} notice${count === 1 ? '' : 's'} could not be published and stay${count === 1 ? 's' : ''} ` +
            `pending for the next cycle (${publishFailures[0].message})\n`,
        );
      }
      for (const step of preProbe) {
        if (step.error) run.stderr.write(`certwatch: ${step.extension}: ${step.error}\n`);
        else if (step.summary && !values.json) run.stderr.write(`certwatch: ${step.summary}\n`);
      }
      const preProbeFailed = preProbe.some((p) => p.error || p.notices.some((n) => n.severity === 'critical'));
      for (const problem of result.summary.problems) {
        const remedy = problem.badItem ? `: ${badItemRemedy(location)}` : '';
        run.stderr.write(`certwatch: ${problem.target} left out of this cycle: ${problem.message}${remedy}\n`);
      }
      if (result.summary.unreached.length > 0) {
        const n = result.summary.unreached.length;
        run.stderr.write(
          `certwatch: ${n} target${n === 1 ? '' : 's'} not reached in time, not observed this cycle (first: ${result.summary.unreached[0]})\n`,
        );
      }
      for (const unsaved of result.summary.unsaved) {
        run.stderr.write(`certwatch: history of ${unsaved.target} not saved this cycle: ${unsaved.message}\n`);
      }
      const failedShards = (shardReports ?? []).filter((r) => r.error !== undefined);
      for (const failed of failedShards) {
        run.stderr.write(
          `certwatch: shard ${failed.shard} of ${shardReports?.length} failed ${failed.attempts === 1 ? 'once' : 'twice'}, ` +
            `its targets were not checked this run (the other shards' history is stored): ${failed.error}\n`,
        );
      }
      const postureFailed =
        posture !== undefined && (posture.incomplete > 0 || posture.notices.some((n) => n.severity === 'critical'));
      run.exitCode =
        result.summary.failedProbes > 0 ||
        result.summary.critical > 0 ||
        preProbeFailed ||
        result.summary.problems.length > 0 ||
        result.summary.unreached.length > 0 ||
        postureFailed ||
        publishFailures.length > 0 ||
        failedShards.length > 0
          ? EXIT.FAILED
          : EXIT.OK;
    });
}

/** `--shards N` (and its worker cap), or null for the one in-process cycle. */
function shardingFrom(values: CheckValues, args: readonly string[]): { shards: number; workers?: number } | null {
  const read = cliSettings(values);
  const shards = read(SETTINGS.shards);
  if (shards === undefined) return null;
  if (args.length > 0) {
    throw new UsageError(
      "--shards runs the store's watch list: give no TARGET (add targets with certwatch targets add)",
    );
  }
  if (values.posture) throw new UsageError('--shards cannot be combined with --posture');
  return { shards, workers: read(SETTINGS.shardWorkers) };
}

function postureRulesFrom(values: CheckValues): PolicyRule[] {
  if ((values.require ?? []).length > 0 && !values.posture) throw new UsageError('--require needs --posture');
  return cliSettings(values)(SETTINGS.postureRequire);
}

function renderPostureSummary(result: PostureCycleResult): string {
  const parts = [
    `posture: ${result.postures.length} address(es) enumerated`,
    result.incomplete > 0 ? `${result.incomplete} incomplete` : '',
    `${result.notices.length} new notice(s)`,
  ];
  return parts.filter(Boolean).join(', ');
}

async function publisherFor(values: CheckValues, run: CliRun): Promise<NoticePublisher> {
  if (values.topicArn !== undefined) return snsPublisherFor(values.topicArn);
  return values.json ? new JsonDocumentPublisher() : new ConsolePublisher(run.stdout);
}

/** The human report after the notices: the observations table and one summary line. */
export function renderCheck(result: CycleResult, now: Date, view: TableView = {}): string {
  const s = result.summary;
  const published = s.published === 0 ? 'no notice to publish' : `${s.published} published`;
  const line = [
    `cycle ${s.at}: ${s.targets} target(s)`,
    `${s.notices} new notice(s), ${s.critical} critical`,
    published,
    s.publishFailures.length > 0 ? `${s.publishFailures.length} left pending` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const head = result.published.length === 0 && result.notices.length === 0 ? 'No change.\n\n' : '\n';
  return `${head}${renderTable(result.observations, now, view)}\n${renderPolicyVerdicts(result.observations)}${line}`;
}
