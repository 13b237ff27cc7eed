/**
 * `certwatch pins`: digests of the leaves each target serves now, from the history (`--store`,
 * `--table`) or a live look (`--probe`), as Postfix policy-map lines, TLSA records, pins or hex.
 */
import { type Command, Option } from 'commander';
import type { CertRecord } from '../core/history';
import type { Observation } from '../core/observation';
import { PIN_FORMATS, type PinFormat } from '../core/policy/pin-formats';
import type { ServedLeaf } from '../core/policy/pins-report';
import { type CliRun, EXIT, UsageError } from './cli-io';
import { addProbeOptions, type ProbeCliValues, toProbeRequest } from './probe-options-cli';
import { addStoreOptions, type StoreCliValues, storeLocationFrom, withStore } from './shared/store-options';

interface PinsValues extends ProbeCliValues, StoreCliValues {
  probe?: boolean;
  format?: PinFormat;
  json?: boolean;
}

/** Leaves served in the observations of a live probe, per target, key type and leaf. */
export function leavesFromObservations(observations: readonly Observation[]): ServedLeaf[] {
  const leaves = new Map<string, ServedLeaf>();
  for (const o of observations) {
    const leaf = o.ok ? o.chain[0] : undefined;
    if (!leaf) continue;
    const key = `${o.target}\n${o.keyType}\n${leaf.sha256}`;
    const entry = leaves.get(key) ?? {
      target: o.target,
      keyType: o.keyType,
      sha256: leaf.sha256,
      spkiSha256: leaf.spkiSha256,
      subject: leaf.subject,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      addresses: [],
    };
    if (!entry.addresses.includes(o.address)) entry.addresses.push(o.address);
    leaves.set(key, entry);
  }
  return [...leaves.values()];
}

/** Active leaves of the stored history. */
export function leavesFromRecords(records: readonly CertRecord[]): ServedLeaf[] {
  return records
    .filter((r) => r.role === 'leaf' && r.status === 'active')
    .map((r) => ({
      target: r.target,
      keyType: r.keyType,
      sha256: r.sha256,
      spkiSha256: r.spkiSha256,
      subject: r.subject,
      notBefore: r.notBefore,
      notAfter: r.notAfter,
      addresses: [...r.addresses],
    }));
}

/** `certwatch pins`. */
export function registerPinsCommand(program: Command, run: CliRun): void {
  addStoreOptions(
    addProbeOptions(
      program
        .command('pins')
        .description(
          'digests of the leaves each target serves now, as Postfix policy-map lines, TLSA records, pins or hex',
        )
        .argument('[targets...]', 'target URLs; default: every target in the store (with --probe: Google)'),
    ),
  )
    .option('--probe', 'look live instead of reading the history')
    .addOption(new Option('--format <form>', 'print only this form').choices([...PIN_FORMATS]))
    .option('--json', 'print the leaves and every form as one JSON document')
    .action(async (args: string[], values: PinsValues) => {
      let leaves: ServedLeaf[];
      if (values.probe) {
        if (values.store !== undefined || values.table !== undefined) {
          throw new UsageError('--probe looks live: it cannot be combined with --store or --table');
        }
        const { targets, options } = toProbeRequest(args, values);
        const { SmtpProber } = await import('../probe/prober.js');
        leaves = leavesFromObservations(await new SmtpProber().probe(targets, options));
      } else {
        const wanted = args.length > 0 ? new Set(toProbeRequest(args, values).targets.map((t) => t.url)) : null;
        const location = storeLocationFrom(values);
        leaves = await withStore(location, { readOnly: true, run }, async (opened) => {
          if (!opened) {
            throw new UsageError(
              `no store at ${location.kind === 'embedded' ? location.dir : ''}: nothing recorded yet ` +
                '(certwatch check starts one; pins --probe looks live)',
            );
          }
          const histories = await opened.store.listHistories();
          const records = [...histories.entries()]
            .filter(([url]) => wanted === null || wanted.has(url))
            .flatMap(([, h]) => h.certs);
          return leavesFromRecords(records);
        });
      }
      const { pinsReport, renderPins } = await import('../core/policy/pins-report.js');
      const report = pinsReport(leaves);
      if (values.json) run.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.length === 0) run.stdout.write('# no leaf served (nothing recorded or nothing answered)\n');
      else run.stdout.write(renderPins(report, values.format ? [values.format] : PIN_FORMATS));
      run.exitCode = report.length === 0 ? EXIT.FAILED : EXIT.OK;
    });
}
