import type { Command } from 'commander';
import { dnsTimeoutMs } from '../core/budgets';
import { GOOGLE_TLS_BASELINE } from '../core/posture/compare';
import { POLICY_RULE_NAMES } from '../core/posture/policy';
import { type Posture, TLS_VERSIONS, type VersionSuite } from '../core/posture/posture';
import type { ProbeOptions } from '../core/probe-options';
import { DEFAULT_TARGET_URLS, type Target } from '../core/targets';
import type { WatchTarget } from '../core/watch-list';
import { SETTINGS } from '../settings/table';
import { type CliRun, EXIT } from './cli-io';
import { cliSettings } from './cli-settings';
import { table } from './format';
import { addProbeOptions, flagOption, type ProbeCliValues, toProbeOptions } from './probe-options-cli';
import { ProgressLine } from './shared/progress';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';
import { reportUnusedPins } from './shared/unused-pins';
import { listedTargets, watchTargetsFrom } from './watch-list-cli';

/** Raw values of `certwatch posture`. */
interface PostureCliValues extends ProbeCliValues, StoreCliValues {
  require: string[];
  json?: boolean;
  verbose?: boolean;
  handshakeBudget?: string;
  pause?: string;
}

/** Entries that make the command exit 1: an unfinished enumeration or a violated rule. */
export function postureFailed(posture: Posture): boolean {
  return !posture.ok || (posture.policy ?? []).some((verdict) => !verdict.ok);
}

/**
 * `certwatch posture`: which TLS versions and suites each address accepts, against Google's published
 * list, judged by `--require` rules. Exit 1 when an enumeration failed or a rule is violated.
 */
export function registerPostureCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    addProbeOptions(
      program
        .command('posture')
        .description('list the TLS versions and cipher suites each address accepts, against the published baseline')
        .argument(
          '[targets...]',
          "smtp://host[:port], smtps://host[:port], mx:DOMAIN or a set name; default: the store's watch list",
        ),
    ),
  )
    .option(
      '--require <rules>',
      `fail (exit 1) unless every rule holds; comma-separated, repeatable: ${POLICY_RULE_NAMES.join(', ')}`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--json', 'print the posture entries as one JSON document')
    .option('--verbose', 'print every version and suite per address (default: a summary per address)')
    .option(...flagOption(SETTINGS.handshakeBudget, 'n'))
    .option(...flagOption(SETTINGS.posturePauseMs, 'ms'))
    .action(async (args: string[], values: PostureCliValues) => {
      const required = cliSettings(values)(SETTINGS.postureRequire);
      const rules = required.length > 0 ? required : undefined;
      const handshakeBudget = cliSettings(values)(SETTINGS.handshakeBudget);
      const pauseMs = cliSettings(values)(SETTINGS.posturePauseMs);
      const options = toProbeOptions(values);
      const location = storeLocationFrom(values);
      const entries =
        args.length > 0
          ? watchTargetsFrom(args)
          : await withStore(location, { readOnly: true, run }, async (opened) =>
              // No store yet: the list a new store starts with.
              opened ? listedTargets(opened.store, opened.where, new Date()) : watchTargetsFrom(DEFAULT_TARGET_URLS),
            );
      const { targets, failures } = await expandForPosture(entries, options);
      for (const failure of failures) run.stderr.write(`certwatch: ${failure}\n`);
      const { enumeratePosture } = await import('../probe/posture/enumerate.js');
      const progress = new ProgressLine(run.stderr, 'enumerating TLS versions and suites: addresses');
      const postures = await enumeratePosture(targets, options, { rules, handshakeBudget, pauseMs }, progress).finally(
        () => progress.stop(),
      );
      if (values.json) run.stdout.write(`${JSON.stringify(postures, null, 2)}\n`);
      else run.stdout.write(`${values.verbose ? renderPostureTable(postures) : renderPostureSummary(postures)}\n`);
      reportUnusedPins(run.stderr, options.resolve, postures);
      run.exitCode = postures.some(postureFailed) || failures.length > 0 ? EXIT.FAILED : EXIT.OK;
    });
}

/** Targets of the entries, `mx:DOMAIN` looked up now (posture keeps no MX history). */
async function expandForPosture(
  entries: readonly WatchTarget[],
  options: ProbeOptions,
): Promise<{ targets: Target[]; failures: string[] }> {
  const targets = new Map<string, Target>();
  const failures: string[] = [];
  for (const entry of entries) {
    if (entry.kind === 'url') {
      targets.set(entry.key, entry.target);
      continue;
    }
    const [{ lookupMx }, { mxStep }] = await Promise.all([import('../probe/dns.js'), import('../core/mx.js')]);
    const answer = await lookupMx(entry.domain, {
      servers: options.dnsServers,
      timeoutMs: dnsTimeoutMs(options.timeoutMs),
    });
    if ('error' in answer) failures.push(`${entry.key}: ${answer.error.code} ${answer.error.message}`);
    else for (const t of mxStep(entry.domain, null, answer, new Date()).targets) targets.set(t.url, t);
  }
  return { targets: [...targets.values()], failures };
}

/** The closing line of both views: counts and which baseline the comparison used. */
function closingLine(postures: readonly Posture[]): string {
  const failed = postures.filter((p) => !p.ok).length;
  const violations = postures.flatMap((p) => p.policy ?? []).filter((v) => !v.ok).length;
  return (
    `${postures.length} address(es), ${failed} enumeration(s) failed, ${violations} rule violation(s); ` +
    `baseline: ${GOOGLE_TLS_BASELINE.name}, published ${GOOGLE_TLS_BASELINE.published}`
  );
}

/** The head line of one address: where, and the failure when the enumeration did not finish. */
function headLine(posture: Posture, addresses: string): string {
  const state = posture.ok ? 'complete' : `INCOMPLETE ${posture.error?.code}: ${posture.error?.message}`;
  return `${posture.target}  ${addresses || '-'}  ${state}`;
}

/** An enumeration that found nothing at all: its failure is all there is to say. */
function nothingFound(posture: Posture): boolean {
  return !posture.ok && TLS_VERSIONS.every((version) => !posture.versions[version].accepted);
}

/**
 * The default human output: per target, addresses that answered identically collapsed into one block of
 * versions, suite count, rule verdicts and the difference from Google's published list.
 */
export function renderPostureSummary(postures: readonly Posture[]): string {
  const groups = new Map<string, { first: Posture; addresses: string[] }>();
  for (const posture of postures) {
    const { address: _address, ...facts } = posture;
    const key = JSON.stringify(facts);
    const group = groups.get(key);
    if (group) group.addresses.push(posture.address);
    else groups.set(key, { first: posture, addresses: [posture.address] });
  }
  const blocks = [...groups.values()].map(({ first, addresses }) => {
    const where = addresses.length > 1 ? `${addresses.join(', ')} (identical)` : addresses[0];
    const head = headLine(first, where);
    if (nothingFound(first)) return head;
    const accepted = TLS_VERSIONS.filter((version) => first.versions[version].accepted);
    const refused = TLS_VERSIONS.filter((version) => !first.versions[version].accepted);
    const suites = TLS_VERSIONS.reduce((sum, version) => sum + first.versions[version].suites.length, 0);
    const { missingOnServer, extraOnServer } = first.baseline;
    const lines = [
      head,
      `  versions: ${accepted.join(', ') || 'none'}${refused.length > 0 ? ` (refused: ${refused.join(', ')})` : ''}`,
      `  suites: ${suites} accepted; against Google's list: ${missingOnServer.length} missing, ${extraOnServer.length} extra` +
        (missingOnServer.length + extraOnServer.length > 0 ? ' (--verbose lists them)' : ''),
    ];
    if (first.untestable.length > 0) lines.push(`  untestable here: ${first.untestable.length} suite(s)`);
    for (const verdict of first.policy ?? []) {
      lines.push(`  policy ${verdict.ok ? 'ok  ' : 'FAIL'} ${verdict.rule}: ${verdict.detail}`);
    }
    return lines.join('\n');
  });
  return [...blocks, closingLine(postures)].join('\n\n');
}

/** The `--verbose` output: per target × address, a table of versions and suites marked against the baseline. */
export function renderPostureTable(postures: readonly Posture[]): string {
  return [...postures.map(renderOne), closingLine(postures)].join('\n\n');
}

function renderOne(posture: Posture): string {
  const head = headLine(posture, posture.address);
  if (nothingFound(posture)) return head;
  const missing = new Set(posture.baseline.missingOnServer.map(key));
  const extra = new Set(posture.baseline.extraOnServer.map(key));
  const rows: string[][] = [];
  for (const version of TLS_VERSIONS) {
    const found = posture.versions[version];
    const listed = [
      ...found.suites,
      ...posture.baseline.missingOnServer.filter((m) => m.version === version).map((m) => m.suite),
    ];
    if (listed.length === 0) rows.push([version, found.accepted ? 'yes' : 'no', '', '']);
    listed.forEach((suite, i) => {
      const pair = key({ version, suite });
      const mark = missing.has(pair)
        ? 'MISSING (published, not accepted)'
        : extra.has(pair)
          ? 'EXTRA (not published)'
          : 'published';
      rows.push(i === 0 ? [version, found.accepted ? 'yes' : 'no', suite, mark] : ['', '', suite, mark]);
    });
  }
  const lines = [head, table(['VERSION', 'ACCEPTED', 'SUITE', 'BASELINE'], rows)];
  lines.push(
    posture.untestable.length === 0
      ? 'untestable here: none'
      : `untestable here (${posture.untestable.length}):\n${posture.untestable.map((u) => `  ${u.version} ${u.suite}: ${u.reason}`).join('\n')}`,
  );
  for (const verdict of posture.policy ?? []) {
    lines.push(`policy ${verdict.ok ? 'ok  ' : 'FAIL'} ${verdict.rule}: ${verdict.detail}`);
  }
  return lines.join('\n');
}

function key(pair: VersionSuite): string {
  return `${pair.version} ${pair.suite}`;
}
