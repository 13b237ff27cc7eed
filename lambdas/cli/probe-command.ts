import type { Command } from 'commander';
import { derToPem } from '../core/x509/pem';
import type { DetailedObservation } from '../probe/prober';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { addPolicyOption, loadPolicyFile, policyRefused, renderPolicyVerdicts } from './policy-file';
import { addProbeOptions, type ProbeCliValues, toProbeRequest } from './probe-options-cli';
import {
  addRevocationOptions,
  anyRevoked,
  type RevocationCliValues,
  renderRevocation,
  revocationFrom,
} from './revocation-cli';
import { ProgressLine } from './shared/progress';
import { probeFailed, renderTable } from './shared/table';
import { terminalOf } from './shared/terminal';
import { reportUnusedPins } from './shared/unused-pins';

/** `certwatch probe`: one look at every target, address and key type. */
export function registerProbeCommand(program: Command, run: CliRun): void {
  addRevocationOptions(
    addPolicyOption(
      addProbeOptions(
        program
          .command('probe')
          .description('show the certificates each target presents, on every address, for each key type')
          .argument(
            '[targets...]',
            'smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS); default: Google',
          ),
      ),
    ),
    false,
  )
    .option('--json', 'print the observations as one JSON document')
    .option('--wide', 'full SHA-256 fingerprints in the table (default: the first 16 hex digits)')
    .option('--pem', 'print each presented chain as PEM, like openssl s_client -showcerts')
    .action(
      async (
        args: string[],
        values: ProbeCliValues &
          RevocationCliValues & { json?: boolean; pem?: boolean; policy?: string; wide?: boolean },
      ) => {
        if (values.json && values.pem) throw new UsageError('--json and --pem cannot be combined');
        const { targets, options } = toProbeRequest(args, values);
        const revocation = revocationFrom(values, false);
        if (revocation) options.revocation = revocation;
        if (values.policy) options.policy = await loadPolicyFile(values.policy);
        const { SmtpProber } = await import('../probe/prober.js');
        const progress = new ProgressLine(run.stderr, 'probing');
        const detailed = await new SmtpProber(undefined, progress)
          .probeDetailed(targets, options)
          .finally(() => progress.stop());
        const observations = detailed.map((d) => d.observation);
        if (values.json)
          run.stdout.write(`${JSON.stringify(observations, null, 2)}
`);
        else if (values.pem) run.stdout.write(renderPem(detailed));
        else
          run.stdout.write(
            `${renderTable(observations, new Date(), { terminal: terminalOf(run.stdout), wide: values.wide })}
${renderPolicyVerdicts(observations)}${renderRevocation(observations)}`,
          );
        reportUnusedPins(run.stderr, options.resolve, observations);
        const failed = observations.some((o) => probeFailed(o) || policyRefused(o)) || anyRevoked(observations);
        run.exitCode = failed ? EXIT.FAILED : EXIT.OK;
      },
    );
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
