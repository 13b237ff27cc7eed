import type { Command } from 'commander';
import { GOOGLE_TLS_BASELINE } from '../core/posture/compare';
import { PostureError } from '../core/posture/errors';
import { POLICY_RULE_NAMES, type PolicyRule, parsePolicy } from '../core/posture/policy';
import { type Posture, TLS_VERSIONS, type VersionSuite } from '../core/posture/posture';
import { enumeratePosture, POSTURE_DEFAULTS } from '../probe/posture/enumerate';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { table } from './format';
import { addProbeOptions, type ProbeCliValues, toProbeRequest } from './probe-options-cli';
import { reportUnusedPins } from './shared/unused-pins';

/** Raw values of `certwatch posture`. */
interface PostureCliValues extends ProbeCliValues {
  require: string[];
  json?: boolean;
  handshakeBudget: string;
  pause: string;
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
  addProbeOptions(
    program
      .command('posture')
      .description('list the TLS versions and cipher suites each address accepts, against the published baseline')
      .argument('[targets...]', 'smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS); default: Google'),
  )
    .option(
      '--require <rules>',
      `fail (exit 1) unless every rule holds; comma-separated, repeatable: ${POLICY_RULE_NAMES.join(', ')}`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--json', 'print the posture entries as one JSON document')
    .option('--handshake-budget <n>', 'most handshakes per address', String(POSTURE_DEFAULTS.handshakeBudget))
    .option('--pause <ms>', 'pause between two handshakes to the same address', String(POSTURE_DEFAULTS.pauseMs))
    .action(async (args: string[], values: PostureCliValues) => {
      const rules = values.require.length > 0 ? toRules(values.require) : undefined;
      const handshakeBudget = integer('--handshake-budget', values.handshakeBudget, 1, 10_000);
      const pauseMs = integer('--pause', values.pause, 0, 60_000);
      const { targets, options } = toProbeRequest(args, values);
      const postures = await enumeratePosture(targets, options, { rules, handshakeBudget, pauseMs });
      if (values.json) run.stdout.write(`${JSON.stringify(postures, null, 2)}\n`);
      else run.stdout.write(`${renderPostureTable(postures)}\n`);
      reportUnusedPins(run.stderr, options.resolve, postures);
      run.exitCode = postures.some(postureFailed) ? EXIT.FAILED : EXIT.OK;
    });
}

function toRules(inputs: readonly string[]): PolicyRule[] {
  try {
    return parsePolicy(inputs);
  } catch (error) {
    if (error instanceof PostureError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

function integer(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name}: "${raw}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** The human output: per target × address, a table of versions and suites marked against the baseline. */
export function renderPostureTable(postures: readonly Posture[]): string {
  const blocks = postures.map(renderOne);
  const failed = postures.filter((p) => !p.ok).length;
  const violations = postures.flatMap((p) => p.policy ?? []).filter((v) => !v.ok).length;
  const summary =
    `${postures.length} address(es), ${failed} enumeration(s) failed, ${violations} rule violation(s); ` +
    `baseline: ${GOOGLE_TLS_BASELINE.name}, published ${GOOGLE_TLS_BASELINE.published}`;
  return [...blocks, summary].join('\n\n');
}

function renderOne(posture: Posture): string {
  const head = `${posture.target}  ${posture.address || '-'}  ${posture.ok ? 'complete' : `INCOMPLETE ${posture.error?.code}: ${posture.error?.message}`}`;
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
