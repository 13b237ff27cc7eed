import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { parseEhloName } from '../core/ehlo-name';
import { CoreError } from '../core/errors';
import { KEY_TYPES, type KeyType } from '../core/observation';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../core/probe-options';
import { parseResolve, parseTargets, type Target } from '../core/targets';
import { pemToDerList } from '../core/x509/pem';
import { UsageError } from './cli-io';

/** Raw values of the shared probe options, as commander hands them over. */
export interface ProbeCliValues {
  resolve: string[];
  servername?: string;
  ca?: string;
  keyTypes: string;
  timeout: string;
  trust: string;
  concurrency: string;
  ehlo?: string;
  family: 'all' | '4' | '6';
}

/** Adds the probe options of DESIGN.md (shared by probe, check and posture) to a command. */
export function addProbeOptions(command: Command): Command {
  return command
    .option(
      '--resolve <host:port:addr[,addr...]>',
      'pin the addresses of host:port, like curl (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--servername <name>', 'SNI and expected certificate name (default: the target host)')
    .option('--ca <file>', 'PEM bundle of extra trust anchors')
    .addOption(new Option('--trust <set>', 'trust anchors to start from').choices(['node', 'google']).default('node'))
    .option('--key-types <list>', 'key types to ask each address for', 'rsa,ecdsa')
    .option('--timeout <ms>', 'deadline of each probe in milliseconds', String(DEFAULT_PROBE_OPTIONS.timeoutMs))
    .option('--concurrency <n>', 'probes in flight at once', String(DEFAULT_PROBE_OPTIONS.concurrency))
    .option('--ehlo <name>', "name sent in EHLO (default: this machine's FQDN or address literal)")
    .addOption(
      new Option('--family <family>', 'address families to probe (4 = A records only, 6 = AAAA only)')
        .choices(['all', '4', '6'])
        .default('all'),
    );
}

/** Turns CLI values into targets and probe options, or a UsageError that says what is wrong. */
export function toProbeRequest(
  args: readonly string[],
  values: ProbeCliValues,
): { targets: Target[]; options: ProbeOptions } {
  try {
    const targets = parseTargets(args);
    const keyTypes = values.keyTypes
      .split(',')
      .map((k) => k.trim().toLowerCase())
      .filter(Boolean);
    for (const keyType of keyTypes) {
      if (!KEY_TYPES.includes(keyType as KeyType)) {
        throw new UsageError(`--key-types: "${keyType}" is not one of ${KEY_TYPES.join(', ')}`);
      }
    }
    if (keyTypes.length === 0) throw new UsageError('--key-types: give at least one of rsa, ecdsa');
    const timeoutMs = positiveInteger('--timeout', values.timeout, 100, 300_000);
    const concurrency = positiveInteger('--concurrency', values.concurrency, 1, 1024);
    const options: ProbeOptions = {
      ...DEFAULT_PROBE_OPTIONS,
      keyTypes: [...new Set(keyTypes)] as KeyType[],
      timeoutMs,
      concurrency,
      resolve: values.resolve.map(parseResolve),
      servername: values.servername,
      ehloName: values.ehlo === undefined ? undefined : parseEhloName(values.ehlo),
      trust: values.trust as 'node' | 'google',
      addressFamilies: values.family === '4' ? [4] : values.family === '6' ? [6] : [4, 6],
    };
    if (values.ca) options.extraAnchorsDer = readCaFile(values.ca);
    return { targets, options };
  } catch (error) {
    if (error instanceof CoreError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

function positiveInteger(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name}: "${raw}" must be an integer from ${min} to ${max}`);
  }
  return value;
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
