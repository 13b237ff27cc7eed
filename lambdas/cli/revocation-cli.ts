/**
 * `--revocation` and `--revocation-max-bytes` (docs/revocation.md): on by default in `check`, opt-in for
 * `probe` and `inspect` (their start budgets and offline use stay as they were), and the lines that say
 * what each certificate's status is. Light on purpose: the checker itself loads only when it is on.
 */
import type { Command } from 'commander';
import type { Observation } from '../core/observation';
import {
  type Revocation,
  type RevocationMethod,
  type RevocationOptions,
  revocationOptions,
} from '../core/revocation/model';
import { commonName } from '../core/x509/dn';
import { SETTINGS } from '../settings/table';
import { UsageError } from './cli-io';
import { cliEnv, cliFlags } from './cli-settings';
import { flagOption } from './probe-options-cli';

/** Raw values of the revocation flags. */
export interface RevocationCliValues {
  revocation?: string;
  revocationMaxBytes?: string;
}

/** Adds the revocation flags to a command. */
export function addRevocationOptions(command: Command, onByDefault: boolean): Command {
  const [flag, doc] = flagOption(SETTINGS.revocation, 'crl,ocsp|crl|ocsp|off');
  return command
    .option(flag, onByDefault ? doc : `${doc.replace(/ \(default: .*\)$/, '')} (default: off here)`)
    .option(...flagOption(SETTINGS.revocationMaxBytes, 'bytes'));
}

/**
 * The revocation options a command runs with, or undefined for off. Without the flag: `check` follows
 * CERTWATCH_REVOCATION and then the default (on); `probe` and `inspect` are off.
 */
export function revocationFrom(
  values: RevocationCliValues,
  onByDefault: boolean,
  env: Readonly<Record<string, string | undefined>> = process.env,
): RevocationOptions | undefined {
  const flags = cliFlags(values);
  const fromEnv = cliEnv(env);
  let methods: RevocationMethod[] | 'off';
  if (values.revocation?.trim() === '' && !onByDefault) {
    // The setting's own message names its default (crl,ocsp), which is check's, not this command's.
    throw new UsageError('--revocation is empty: leave it out for the default (off here), or give crl,ocsp');
  }
  if (values.revocation !== undefined) methods = flags(SETTINGS.revocation);
  else if (onByDefault) methods = fromEnv(SETTINGS.revocation);
  else return undefined;
  const maxCrlBytes =
    values.revocationMaxBytes !== undefined ? flags(SETTINGS.revocationMaxBytes) : fromEnv(SETTINGS.revocationMaxBytes);
  return revocationOptions(methods, maxCrlBytes);
}

function describe(revocation: Revocation): string {
  const from = revocation.source ? ` (${revocation.source}${revocation.url ? ` ${revocation.url}` : ''})` : '';
  switch (revocation.status) {
    case 'revoked':
      return `REVOKED at ${revocation.revokedAt ?? '?'}, ${revocation.reason ?? 'unspecified'}${from}`;
    case 'good':
      return `good until ${revocation.nextUpdate ?? '?'}${from}`;
    case 'unknown':
      return `unknown: ${revocation.error?.message ?? 'no trusted answer'}`;
    case 'none':
      return 'none (it names no CRL or OCSP responder)';
  }
}

/** One line per distinct certificate seen with a verdict: empty when revocation was off. */
export function renderRevocation(chains: readonly { chain: Observation['chain'] }[]): string {
  const lines = new Map<string, string>();
  for (const { chain } of chains) {
    for (const cert of chain) {
      if (!cert.revocation || lines.has(cert.sha256)) continue;
      lines.set(cert.sha256, `  ${cert.sha256.slice(0, 16)} ${commonName(cert.subject)}: ${describe(cert.revocation)}`);
    }
  }
  return lines.size === 0 ? '' : `revocation:\n${[...lines.values()].join('\n')}\n`;
}

/** Whether any certificate of the observations was found revoked (a failure for `probe` and `inspect`). */
export function anyRevoked(chains: readonly { chain: Observation['chain'] }[]): boolean {
  return chains.some((o) => o.chain.some((c) => c.revocation?.status === 'revoked'));
}
