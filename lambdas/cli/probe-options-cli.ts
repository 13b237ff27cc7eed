import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ProbeOptions } from '../core/probe-options';
import { parseTargets, type Target } from '../core/targets';
import { pemToDerList } from '../core/x509/pem';
import { readProbeOptions } from '../settings/groups';
import { defaultText, type Setting } from '../settings/setting';
import { SETTINGS } from '../settings/table';
import { UsageError } from './cli-io';
import { cliEnv, cliFlags } from './cli-settings';

/** Raw values of the shared probe options, as commander hands them over (validated by the settings table). */
export interface ProbeCliValues {
  resolve: string[];
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

/** Adds the probe options of DESIGN.md (shared by probe, check and posture) to a command. */
export function addProbeOptions(command: Command): Command {
  const collect = (value: string, previous: string[]) => [...previous, value];
  return command
    .option(...flagOption(SETTINGS.resolve, 'host:port:addr[,addr...]'), collect, [] as string[])
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
 * Turns CLI values into probe options (targets aside), or a UsageError that says what is wrong. The DNS
 * servers come from `--dns`, else from `CERTWATCH_DNS` (the one DNS setting is also an environment one).
 */
export function toProbeOptions(
  values: ProbeCliValues,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProbeOptions {
  const read = cliFlags(values);
  const options = readProbeOptions(read);
  const dns = options.dnsServers ?? cliEnv(env)(SETTINGS.dns);
  if (dns !== undefined && dns.length > 0) options.dnsServers = dns;
  const ca = read(SETTINGS.ca);
  if (ca !== undefined) options.extraAnchorsDer = readCaFile(ca);
  return options;
}

/** Reads a `--ca` PEM bundle. */
export function readCaFile(path: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const ders = pemToDerList(text);
  if (ders.length === 0) throw new UsageError(`--ca ${path}: no PEM certificate in the file`);
  return ders;
}
