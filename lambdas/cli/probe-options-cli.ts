import type { Command } from 'commander';
import type { ProbeOptions } from '../core/probe-options';
import { parseTargets, type Target } from '../core/targets';
import { pemToDerList } from '../core/x509/pem';
import { readProbeOptions } from '../settings/groups';
import { defaultText, type Setting } from '../settings/setting';
import { SETTINGS } from '../settings/table';
import { UsageError } from './cli-io';
import { cliSettings } from './cli-settings';
import { MAX_CA_BYTES, readBoundedFileSync } from './shared/bounded-input';

/** Raw values of the shared probe options, as commander hands them over (validated by the settings table). */
export interface ProbeCliValues {
  resolve?: string[];
  servername?: string;
  ca?: string;
  keyTypes?: string;
  timeout?: string;
  trust?: string;
  concurrency?: string;
  ehlo?: string;
  family?: string;
  dns?: string;
}

/** `--timeout <ms>` with the setting's doc line and default, for a command's help. */
export function flagOption(setting: Setting<unknown, unknown>, argument: string): [string, string] {
  if (setting.flag === undefined) throw new Error(`setting ${setting.name} has no flag`);
  const shownDefault = setting.default === undefined ? '' : ` (default: ${defaultText(setting)})`;
  return [`${setting.flag} <${argument}>`, `${setting.doc}${shownDefault}`];
}

/** Adds the probe options (docs/cli.md; shared by probe, check, posture and pins) to a command. */
export function addProbeOptions(command: Command): Command {
  // No default value: commander would print it as a second "(default: [])" after the setting's own.
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  return command
    .option(...flagOption(SETTINGS.resolve, 'host:port:addr[,addr...]'), collect)
    .option(...flagOption(SETTINGS.servername, 'name'))
    .option(...flagOption(SETTINGS.ca, 'file'))
    .option(...flagOption(SETTINGS.trust, 'node|google'))
    .option(...flagOption(SETTINGS.keyTypes, 'list'))
    .option(...flagOption(SETTINGS.probeTimeoutMs, 'ms'))
    .option(...flagOption(SETTINGS.concurrency, 'n'))
    .option(...flagOption(SETTINGS.ehloName, 'name'))
    .option(...flagOption(SETTINGS.addressFamilies, 'all|4|6'))
    .option(...flagOption(SETTINGS.dns, 'addr[:port][,...]'));
}

/** Turns CLI values into targets and probe options, or a UsageError that says what is wrong. */
export function toProbeRequest(
  args: readonly string[],
  values: ProbeCliValues,
): { targets: Target[]; options: ProbeOptions } {
  return { targets: parseTargets(args), options: toProbeOptions(values) };
}

/**
 * Turns CLI values into probe options (targets aside), or a UsageError that says what is wrong. Each
 * setting comes from its flag, else its `CERTWATCH_*` variable (the Lambda's), else its default.
 */
export function toProbeOptions(
  values: ProbeCliValues,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProbeOptions {
  const read = cliSettings(values, env);
  const options = readProbeOptions(read);
  const ca = read(SETTINGS.ca);
  if (ca !== undefined) options.extraAnchorsDer = readCaFile(ca);
  return options;
}

/** Reads a `--ca` PEM bundle (at most {@link MAX_CA_BYTES}, enforced while reading). */
export function readCaFile(path: string): Buffer[] {
  const text = readBoundedFileSync(path, MAX_CA_BYTES, `--ca ${path}`);
  const ders = pemToDerList(text);
  if (ders.length === 0) throw new UsageError(`--ca ${path}: no PEM certificate in the file`);
  return ders;
}
