/**
 * Reads `--policy FILE`: JSON or YAML, `ca` paths relative to the file. Errors are usage errors
 * (exit 2, one line) naming the file and the entry.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Observation } from '../core/observation';
import type { ConsumerPolicyVerdict, PolicySet } from '../core/policy/model';
import { withContext } from './cli-io';
import { MAX_CA_BYTES, readBoundedFileSync, readBoundedTextSync } from './shared/bounded-input';

/**
 * Loads and checks a policy file. The decoder and parser (and with them js-yaml and pkijs) load only here, when a command
 * runs with --policy: see lambdas/cli/program.ts on start time. @throws UsageError
 */
export async function loadPolicyFile(file: string): Promise<PolicySet> {
  const [{ decodePolicyText, MAX_POLICY_BYTES }, { parsePolicyDocument }] = await Promise.all([
    import('../core/policy/decode.js'),
    import('../core/policy/parse.js'),
  ]);
  const text = readBoundedFileSync(file, MAX_POLICY_BYTES, `--policy ${file}`);
  try {
    const document = decodePolicyText(text, file);
    return parsePolicyDocument(document, {
      source: file,
      readFile: (path) => readBoundedTextSync(resolve(dirname(file), path), MAX_CA_BYTES),
    });
  } catch (error) {
    throw withContext(error, '--policy ');
  }
}

/** Adds `--policy FILE` to a command. */
export function addPolicyOption(command: Command): Command {
  return command.option(
    '--policy <file>',
    'consumer policy (JSON or YAML): pins, CA file, TLSA, MTA-STS; each chain is judged',
  );
}

/** One line per observation the consumer policy judged, failures with their reasons. */
export function renderPolicyVerdicts(observations: readonly Observation[]): string {
  const judged = observations.filter((o) => o.consumerPolicy);
  if (judged.length === 0) return '';
  const lines = judged.map((o) => {
    const v = o.consumerPolicy as ConsumerPolicyVerdict;
    const head = `${v.ok ? 'ok  ' : 'FAIL'} ${o.target} ${o.address} ${o.keyType}`;
    const rules = v.rules
      .filter((r) => r.status !== 'pass' || v.ok)
      .map((r) => `       policy ${r.policy} ${r.kind} ${r.status}${r.code ? ` ${r.code}` : ''}: ${r.reason}`);
    return [head, ...rules].join('\n');
  });
  const dnssec = judged.some((o) => o.consumerPolicy?.dnssec) ? '\n(TLSA records from DNS: DNSSEC not validated)' : '';
  return `\nconsumer policy:\n${lines.join('\n')}${dnssec}\n`;
}

/** True when a verdict refuses a chain with a critical rule (exit code 1). */
export function policyRefused(o: Observation): boolean {
  return o.consumerPolicy?.rules.some((r) => r.status === 'fail' && r.severity === 'critical') === true;
}
