import type { Command } from 'commander';
import type { Observation } from '../core/observation';
import { derToPem } from '../core/x509/pem';
import type { DetailedObservation } from '../probe/prober';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { colonHex, commonName, daysUntil, table } from './format';
import { addProbeOptions, type ProbeCliValues, toProbeRequest } from './probe-options-cli';

/** Observations that count as a failed probe (a missing key type is recorded, not a failure). */
export function probeFailed(observation: Observation): boolean {
  return !observation.ok && observation.error?.code !== 'KEY_TYPE_UNAVAILABLE';
}

/** `certwatch probe`: one look at every target, address and key type. */
export function registerProbeCommand(program: Command, run: CliRun): void {
  addProbeOptions(
    program
      .command('probe')
      .description('show the certificates each target presents, on every address, for each key type')
      .argument('[targets...]', 'smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS); default: Google'),
  )
    .option('--json', 'print the observations as one JSON document')
    .option('--pem', 'print each presented chain as PEM, like openssl s_client -showcerts')
    .action(async (args: string[], values: ProbeCliValues & { json?: boolean; pem?: boolean }) => {
      if (values.json && values.pem) throw new UsageError('--json and --pem cannot be combined');
      const { targets, options } = toProbeRequest(args, values);
      const { SmtpProber } = await import('../probe/prober.js');
      const detailed = await new SmtpProber().probeDetailed(targets, options);
      const observations = detailed.map((d) => d.observation);
      if (values.json) run.stdout.write(`${JSON.stringify(observations, null, 2)}\n`);
      else if (values.pem) run.stdout.write(renderPem(detailed));
      else run.stdout.write(`${renderTable(observations, new Date())}\n`);
      run.exitCode = observations.some(probeFailed) ? EXIT.FAILED : EXIT.OK;
    });
}

/** The human table: one row per target × address × key type. */
export function renderTable(observations: readonly Observation[], now: Date): string {
  const rows = observations.map((o) => {
    const where = [o.target, o.address || '-', o.keyType];
    const leaf = o.chain[0];
    if (!leaf) return [...where, o.error?.code ?? 'NO CERTIFICATE', o.error?.message ?? '', '', '', '', ''];
    const trust = o.validation?.trusted
      ? o.hostnameMatch === false
        ? 'NAME MISMATCH'
        : 'trusted'
      : `UNTRUSTED (${o.validation?.error?.code ?? 'unknown'})`;
    return [
      ...where,
      colonHex(leaf.sha256),
      commonName(leaf.subject),
      commonName(leaf.issuer),
      `${daysUntil(leaf.notAfter, now)}d`,
      trust,
      o.tls.protocol ?? '',
    ];
  });
  const header = ['TARGET', 'ADDRESS', 'KEY', 'LEAF SHA-256', 'SUBJECT', 'ISSUER', 'EXPIRES', 'TRUST', 'PROTOCOL'];
  const failures = observations.filter(probeFailed).length;
  const summary = `${observations.length} observation(s), ${failures} failed`;
  return `${table(header, rows)}\n\n${summary}`;
}

function renderPem(detailed: readonly DetailedObservation[]): string {
  return detailed
    .map(({ observation: o, chainDer }) => {
      const head = `# ${o.target} ${o.address || '-'} ${o.keyType}${o.error ? ` ${o.error.code}: ${o.error.message}` : ''}`;
      return [head, ...chainDer.map((der) => derToPem(der).trimEnd())].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
